package main

import (
	"context"
	"log/slog"
	"os"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/notify"
	"dispatchd/notify/smpp"
	"dispatchd/notify/webhook"
	"dispatchd/realtime"
	"dispatchd/resources"
	"dispatchd/warning"
)

// notifier is what reaches people whose page is closed: the outbox
// sender with its channels, the SMS client it sends through, and the
// watcher that sends new tasks to leads who are not connected. Its parts
// are nil when no channel is configured.
type notifier struct {
	sender *notify.Sender
	sms    *smpp.Client // nil without an SMS gateway
	tasks  *dispatch.TaskNotifier
	tsub   *realtime.Subscription
}

// newNotifier builds the sender over st with the channels cfg names, its
// hooks moving warnings' recipients (sent, delivered, failed) and taking
// SMS replies as answers, and the task notifier. linkBase is the origin of
// one-tap links.
func newNotifier(st appStore, cfg channelsConfig, linkBase string, warnings *warning.Service, board *dispatch.Service,
	registry *resources.Service, hub *realtime.Hub, feed *realtime.Feed, log *slog.Logger) (*notifier, error) {
	channels := cfg.channels()
	if len(channels) == 0 {
		return &notifier{}, nil
	}
	holder, _ := os.Hostname()
	hooks := notify.Hooks{
		Sent: func(ctx context.Context, msgs []notify.Message) error {
			return warnings.Progress(ctx, msgs, notify.Sent)
		},
		Failed: func(ctx context.Context, msgs []notify.Message) error {
			return warnings.Progress(ctx, msgs, notify.Failed)
		},
		Receipt: func(ctx context.Context, m notify.Message, state string) error {
			return warnings.Progress(ctx, []notify.Message{m}, state)
		},
		Reply: func(ctx context.Context, from, text string) error {
			_, err := warnings.AnswerSMS(ctx, from, text)
			return err
		},
	}
	n := &notifier{sender: notify.NewSender(st, notify.SenderConfig{Holder: holder + "-" + shortID(), LinkBase: linkBase}, hooks, log)}
	if cfg.smpp != nil {
		n.sms = smpp.New(*cfg.smpp, smpp.Feed(n.sender), log)
		n.sender.Handle(notify.SMS, smpp.Channel{Client: n.sms}, notify.ChannelConfig{Rate: float64(cfg.smpp.Rate)})
	}
	if cfg.webhookURL != "" {
		wh, err := webhook.New(webhook.Config{URL: cfg.webhookURL, Secret: cfg.webhookSecret}, nil)
		if err != nil {
			return nil, err
		}
		n.sender.Handle(notify.Webhook, wh, notify.ChannelConfig{Rate: 50})
	}
	phone := func(ctx context.Context, team string) (string, error) {
		t, err := registry.Team(ctx, dispatchd.System, team)
		if err != nil {
			return "", err
		}
		if t.Leader.Phone != "" {
			return t.Leader.Phone, nil
		}
		return t.DutyPhone, nil
	}
	log.Info("notifications", "channels", channels, "links", linkBase)
	n.tasks = dispatch.NewTaskNotifier(board, st, hub.LeadConnected, phone, dispatch.TaskNotifyConfig{Grace: cfg.taskGrace, Channels: channels})
	n.tsub = feed.Subscribe(dispatch.FeedBuffer)
	return n, nil
}

// shortID is a few random characters that tell two nodes on one host
// apart in the sender's lease.
func shortID() string {
	id := dispatchd.NewID()
	return id[len(id)-8:]
}
