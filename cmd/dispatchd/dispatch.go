package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/geo/fence"
	"dispatchd/recorder"
)

// dispatchFlags configure the incident board: deadlines, staleness and the
// default router.
type dispatchFlags struct {
	ackWithin     time.Duration
	staleAfter    time.Duration
	agreementLead time.Duration
	escalateEvery time.Duration
	staleEvery    time.Duration
	// checkpointEvery is how often the recorder takes a checkpoint.
	checkpointEvery time.Duration
	detour          float64
	speeds          string
	// arrivalDwell and sceneRadius configure arrival by geofence.
	arrivalDwell time.Duration
	sceneRadius  float64
}

func (f *dispatchFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.ackWithin, "ack-within", durationEnv("DISPATCH_ACK_WITHIN", dispatch.DefaultAckWithin),
		"time a team has to acknowledge a task before it is escalated (env DISPATCH_ACK_WITHIN)")
	fs.DurationVar(&f.staleAfter, "stale-after", durationEnv("DISPATCH_STALE_AFTER", plan.DefaultStaleAfter),
		"age past which a team's last position is stale: it is ranked from its base and marked stale with the event team.stale (env DISPATCH_STALE_AFTER)")
	fs.DurationVar(&f.agreementLead, "agreement-lead", durationEnv("DISPATCH_AGREEMENT_LEAD", plan.DefaultAgreementLead),
		"extra lead time of agreement reserves held by suppliers (env DISPATCH_AGREEMENT_LEAD)")
	fs.DurationVar(&f.escalateEvery, "escalate-every", durationEnv("DISPATCH_ESCALATE_EVERY", time.Second),
		"how often unanswered tasks are checked for escalation (env DISPATCH_ESCALATE_EVERY)")
	fs.DurationVar(&f.staleEvery, "stale-check-every", durationEnv("DISPATCH_STALE_CHECK_EVERY", 0),
		"how often teams are checked for stale positions; 0 means a tenth of stale-after, from 1s to 30s (env DISPATCH_STALE_CHECK_EVERY)")
	fs.DurationVar(&f.checkpointEvery, "checkpoint-every", durationEnv("DISPATCH_CHECKPOINT_EVERY", recorder.DefaultEvery),
		"how often the flight recorder checkpoints the state when events happened, for the state at a past moment (env DISPATCH_CHECKPOINT_EVERY)")
	fs.DurationVar(&f.arrivalDwell, "arrival-dwell", durationEnv("DISPATCH_ARRIVAL_DWELL", fence.DefaultDwell),
		"how long a team's fixes must stay inside its task's scene to count as arrived, or outside to count as gone (env DISPATCH_ARRIVAL_DWELL)")
	fs.Float64Var(&f.sceneRadius, "scene-radius", floatEnv("DISPATCH_SCENE_RADIUS", dispatch.DefaultSceneRadius),
		"radius in metres of the scene of an incident recorded without one (env DISPATCH_SCENE_RADIUS)")
	fs.Float64Var(&f.detour, "detour", floatEnv("DISPATCH_DETOUR", 1.3),
		"road distance over great-circle distance, for ETAs (env DISPATCH_DETOUR)")
	fs.StringVar(&f.speeds, "speeds", envOr("DISPATCH_SPEEDS", ""),
		"travel speeds in km/h by team kind, e.g. fire_rescue=60,aviation=200,truck=50 (env DISPATCH_SPEEDS)")
}

// config returns the service configuration the flags describe.
func (f *dispatchFlags) config() (dispatch.Config, plan.ProjectionConfig, error) {
	r := geo.DefaultRouter()
	if f.detour < 1 || f.detour > 5 {
		return dispatch.Config{}, plan.ProjectionConfig{}, fmt.Errorf("detour %v must be between 1 and 5", f.detour)
	}
	r.Detour = f.detour
	for _, part := range strings.Split(f.speeds, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mode, v, ok := strings.Cut(part, "=")
		kmh, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || kmh < 1 || kmh > 1000 {
			return dispatch.Config{}, plan.ProjectionConfig{}, fmt.Errorf("speeds: %q must be kind=km/h with a speed from 1 to 1000", part)
		}
		r.Speeds[strings.TrimSpace(mode)] = kmh
	}
	if f.ackWithin < 10*time.Second {
		return dispatch.Config{}, plan.ProjectionConfig{}, fmt.Errorf("ack-within %v must be at least 10s", f.ackWithin)
	}
	if f.arrivalDwell < time.Second || f.arrivalDwell > time.Hour {
		return dispatch.Config{}, plan.ProjectionConfig{}, fmt.Errorf("arrival-dwell %v must be between 1s and 1h", f.arrivalDwell)
	}
	if msg := fence.CheckRadius(f.sceneRadius); msg != "" {
		return dispatch.Config{}, plan.ProjectionConfig{}, fmt.Errorf("scene-radius %v %s", f.sceneRadius, msg)
	}
	return dispatch.Config{
			AckWithin:   f.ackWithin,
			SceneRadius: f.sceneRadius,
			Plan:        plan.Config{Router: r, AgreementLead: f.agreementLead},
		},
		plan.ProjectionConfig{StaleAfter: f.staleAfter}, nil
}

func floatEnv(key string, def float64) float64 {
	if v, err := strconv.ParseFloat(envOr(key, ""), 64); err == nil {
		return v
	}
	return def
}
