package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/regions"
)

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "Usage: dispatchd user add --username NAME --role ROLE [--team ID] [--depots ID,ID] [--password PW]")
		return errUsage
	}
	fs := newFlagSet("user add", "user add [flags]", stderr)
	var sf storeFlags
	sf.register(fs)
	username := fs.String("username", "", "login name (required)")
	role := fs.String("role", "", "admin, commander, viewer, team_lead, depot_manager or tracker (required)")
	team := fs.String("team", "", "team id, for a team_lead or tracker")
	depots := fs.String("depots", "", "comma-separated depot ids, for a depot_manager")
	password := fs.String("password", "", "password; if empty, read from DISPATCH_PASSWORD or the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	pw := *password
	if pw == "" {
		pw = os.Getenv("DISPATCH_PASSWORD")
	}
	if pw == "" {
		fmt.Fprint(stderr, "password: ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password from standard input: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	log := newLogger(stderr, slog.LevelWarn)
	st, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := auth.NewService(st, st, 0)
	svc.SetRegions(regions.NewService(st).Known)
	var depotList []string
	for _, d := range strings.Split(*depots, ",") {
		if d = strings.TrimSpace(d); d != "" {
			depotList = append(depotList, d)
		}
	}
	u, err := svc.CreateUser(ctx, dispatchd.System, auth.NewUser{Username: *username, Password: pw,
		Role: dispatchd.Role(*role), Team: *team, Depots: depotList})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s (%s), id %s\n", u.Username, u.Role, u.ID)
	return nil
}
