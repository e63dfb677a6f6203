package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/demo"
	"dispatchd/resources"
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
	seeds := make([]auth.SeedUser, len(d.Users))
	for i, u := range d.Users {
		seeds[i] = auth.SeedUser{Username: u.Username, Role: u.Role, Team: u.Team, Depots: u.Depots, Jurisdiction: u.Jurisdiction}
	}
	n, err := authSvc.EnsureUsers(ctx, dispatchd.System, demoPassword, seeds)
	if err != nil {
		return fmt.Errorf("create demo users: %w", err)
	}
	log.Info("demo province loaded", "items", len(d.Items), "teams", len(d.Teams), "depots", len(d.Depots),
		"stock_lines", len(d.Stock), "users", n, "duration", time.Since(start).Round(time.Millisecond))
	printLogins(out, d)
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
	shown := map[dispatchd.Role]int{}
	for _, u := range d.Users {
		if shown[u.Role] >= 2 {
			continue
		}
		shown[u.Role]++
		binding := ""
		switch {
		case u.Team != "":
			binding = "team " + u.Team
		case len(u.Depots) > 0:
			binding = "depot " + u.Depots[0]
		}
		fmt.Fprintf(out, "  %-24s %-14s %s\n", u.Username, u.Role, binding)
	}
	fmt.Fprintf(out, "  (%d demo users in all: GET /api/v1/users as admin lists them)\n\n", len(d.Users))
}
