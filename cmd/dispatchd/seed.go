package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/demo"
	"dispatchd/dispatch"
	"dispatchd/geo"
	"dispatchd/regions"
	"dispatchd/resources"
	"dispatchd/warning"
)

// demoPassword is the password of every demo user.
const demoPassword = "demo"

func cmdSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed", "seed --demo [flags]", stderr)
	var sf storeFlags
	sf.register(fs)
	withDemo := fs.Bool("demo", false, "load the demo province (only into an empty store)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*withDemo {
		fmt.Fprintln(stderr, "seed needs --demo: the demo province is the only seed there is")
		return errUsage
	}
	log := newLogger(stderr, slog.LevelWarn)
	st, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	return seedDemo(ctx, st, resources.NewService(st), auth.NewService(st, st, 0), log, stdout)
}

// seedDemo loads the demo province into an empty store and prints the demo
// logins. A store that has any item or depot is left alone.
func seedDemo(ctx context.Context, st appStore, registry *resources.Service, authSvc *auth.Service, log *slog.Logger, out io.Writer) error {
	d := demo.Province()
	if err := seedRegions(ctx, st, log); err != nil {
		return err
	}
	load, err := needsDemo(ctx, st, d)
	if err != nil {
		return err
	}
	if !load {
		log.Info("the store has data; the demo province is not loaded again")
		printLogins(out, d)
		return nil
	}
	start := time.Now()
	batches := []*resources.Batch{
		{Kind: resources.ImportItems, Items: d.Items, Lines: lines(len(d.Items))},
		{Kind: resources.ImportDepots, Depots: d.Depots, Lines: lines(len(d.Depots))},
		{Kind: resources.ImportTeams, Teams: d.Teams, Lines: lines(len(d.Teams))},
		{Kind: resources.ImportStock, Stock: d.Stock, Lines: lines(len(d.Stock))},
	}
	for _, b := range batches {
		if _, err := registry.Import(ctx, dispatchd.System, b, "demo"); err != nil {
			return fmt.Errorf("load demo %s: %w", b.Kind, err)
		}
	}
	if err := seedIncidents(ctx, st, d); err != nil {
		return err
	}
	if err := seedPersons(ctx, st, d); err != nil {
		return err
	}
	seeds := make([]auth.SeedUser, len(d.Users))
	for i, u := range d.Users {
		seeds[i] = auth.SeedUser{Username: u.Username, Role: u.Role, Team: u.Team, Depots: u.Depots, Jurisdiction: u.Jurisdiction, Desk: u.Desk}
	}
	n, err := authSvc.EnsureUsers(ctx, dispatchd.System, demoPassword, seeds)
	if err != nil {
		return fmt.Errorf("create demo users: %w", err)
	}
	if err := st.Analyze(ctx); err != nil {
		return err
	}
	log.Info("demo province loaded", "items", len(d.Items), "teams", len(d.Teams), "depots", len(d.Depots),
		"stock_lines", len(d.Stock), "users", n, "duration", time.Since(start).Round(time.Millisecond))
	printLogins(out, d)
	return nil
}

// seedRegions loads the demo province's region tree into a store that has
// none, a demo store made before there were regions among them.
func seedRegions(ctx context.Context, st appStore, log *slog.Logger) error {
	any, err := st.AnyRegion(ctx)
	if err != nil || any {
		return err
	}
	svc := regions.NewService(st)
	sum, err := svc.Load(ctx, dispatchd.System, demo.Regions(), "demo")
	if err != nil {
		return fmt.Errorf("load demo regions: %w", err)
	}
	// Approximate county outlines, so that an incident reported without a
	// region lands in a county as it would with the real ones.
	if _, err := svc.ImportBoundaries(ctx, dispatchd.System, bytes.NewReader(demo.Outlines()), geo.WGS84, "demo"); err != nil {
		return fmt.Errorf("load demo outlines: %w", err)
	}
	log.Info("demo regions loaded", "regions", sum.Rows)
	return nil
}

// seedIncidents reports the demo's open incidents, unless the store has
// incidents already (a load a crash cut short after them).
func seedIncidents(ctx context.Context, st appStore, d *demo.Data) error {
	have, err := st.ListIncidents(ctx, dispatch.IncidentFilter{Limit: 1})
	if err != nil || len(have) > 0 {
		return err
	}
	board := dispatch.NewService(st, d.Projection(d.Teams), dispatch.Config{})
	duty := dispatchd.Actor{Username: "commander", Role: dispatchd.RoleCommander}
	for _, in := range d.OpenIncidents() {
		if _, err := board.CreateIncident(ctx, duty, in); err != nil {
			return fmt.Errorf("report demo incident %s: %w", in.Title, err)
		}
	}
	return nil
}

// seedPersons records the demo's responsible persons, unless the store
// has some already (a load a crash cut short after them).
func seedPersons(ctx context.Context, st appStore, d *demo.Data) error {
	have, err := st.ListPersons(ctx, warning.PersonFilter{Limit: 1})
	if err != nil || len(have) > 0 {
		return err
	}
	svc := warning.NewService(st)
	svc.SetRegions(regions.NewService(st).Known)
	if _, err := svc.Load(ctx, dispatchd.System, d.Persons, "demo"); err != nil {
		return fmt.Errorf("load demo responsible persons: %w", err)
	}
	return nil
}

// needsDemo reports whether the store is empty (no depot, no team), or holds
// a demo load that a crash cut short: demo depots but no demo admin yet,
// since the users are written last. Each step is an upsert, so loading again
// completes it.
func needsDemo(ctx context.Context, st appStore, d *demo.Data) (bool, error) {
	depots, err := st.DepotIDs(ctx)
	if err != nil {
		return false, err
	}
	teams, err := st.ListTeams(ctx, resources.TeamFilter{Limit: 1})
	if err != nil {
		return false, err
	}
	if len(depots) == 0 && len(teams) == 0 {
		return true, nil
	}
	if _, err := st.GetDepot(ctx, d.Depots[0].ID); err != nil {
		return false, nil //nolint:nilerr // not a demo store
	}
	_, err = st.GetUserByUsername(ctx, d.Users[0].Username)
	switch dispatchd.ErrorCode(err) {
	case dispatchd.ENOTFOUND:
		return true, nil
	case "":
		return false, nil
	}
	return false, err
}

func lines(n int) []int {
	l := make([]int, n)
	for i := range l {
		l[i] = i + 1
	}
	return l
}

// printLogins lists a few demo logins; every demo password is "demo".
func printLogins(out io.Writer, d *demo.Data) {
	fmt.Fprintf(out, "\nDemo logins (every password is %q):\n", demoPassword)
	names := map[string]string{}
	for _, r := range d.Regions {
		names[r.Code] = r.Name
	}
	shown := map[dispatchd.Role]int{}
	featured := map[string]bool{"commander": true, "commander-330100": true, "commander-330127": true, "flood-desk": true}
	for _, u := range d.Users {
		if (u.Role == dispatchd.RoleCommander || shown[u.Role] >= 2) && !featured[u.Username] {
			continue
		}
		shown[u.Role]++
		scope := "whole deployment"
		if u.Jurisdiction != "" {
			scope = names[u.Jurisdiction]
		}
		switch {
		case u.Desk != "":
			scope += ", " + u.Desk + " desk"
		case u.Team != "":
			scope += ", team " + u.Team
		case len(u.Depots) > 0:
			scope += ", depot " + u.Depots[0]
		}
		fmt.Fprintf(out, "  %-24s %-14s %s\n", u.Username, u.Role, scope)
	}
	fmt.Fprintf(out, "  (%d demo users in all: commander-CODE for each city and each county of %s; GET /api/v1/users as admin lists them)\n\n",
		len(d.Users), names[demo.FirstCity+"00"])
}
