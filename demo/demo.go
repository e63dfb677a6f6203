// Package demo generates a realistic registry for one province, Zhejiang:
// its item catalog, about 600 rescue teams, about 3,700 material depots with
// their stock, and users to sign in with. Everything is invented but
// plausible: the cities and counties are real, the names, people and phone
// numbers are not. The data is the same on every call.
package demo

import (
	"strings"

	"dispatchd"
	"dispatchd/regions"
	"dispatchd/resources"
	"dispatchd/warning"
)

// Data is a province's registry and its users.
type Data struct {
	Items  []resources.Item
	Teams  []resources.Team
	Depots []resources.Depot
	Stock  []resources.StockLevel
	Users  []User
	// Regions is the province's region tree: the province, its cities
	// and their counties.
	Regions []regions.Region
	// Persons are the first city's responsible persons, as rows of a
	// persons file (warning.Service.Load).
	Persons []warning.PersonRow
}

// User is an account to create. Team binds a team lead to a team, Depots a
// depot manager to depots; Jurisdiction is the region the user answers for
// ("" the whole deployment), Desk a commander's headquarters. The caller
// sets the passwords.
type User struct {
	Username     string
	Role         dispatchd.Role
	Team         string
	Depots       []string
	Jurisdiction string
	Desk         string
}

// FirstCity is the region prefix of the city whose team leads and depot
// managers get accounts: Hangzhou.
const FirstCity = "3301"

// Province returns the registry of Zhejiang: items, teams, depots, stock
// levels, the region tree, and users: admin, commander and viewer for the
// whole deployment; a commander for each city and each county of the first
// city ("commander-" + region code) and the province's flood-control desk
// ("flood-desk"); a team lead for each team of the first city ("lead-" +
// team id, its team's county as jurisdiction) and a depot manager for each
// depot of the first city and the provincial depot ("mgr-" + depot id, its
// depot's region as jurisdiction). It returns new slices on every call,
// with the same content.
func Province() *Data {
	g := newGen()
	areas := g.layout()
	d := &Data{Items: items(), Regions: regionTree()}
	d.Teams = g.teams(areas)
	d.Depots, d.Stock = g.depots(areas)
	d.Persons = g.persons(areas)
	d.Users = []User{
		{Username: "admin", Role: dispatchd.RoleAdmin},
		{Username: "commander", Role: dispatchd.RoleCommander},
		{Username: "viewer", Role: dispatchd.RoleViewer},
	}
	d.Users = append(d.Users, commanders()...)
	for _, t := range d.Teams {
		if strings.HasPrefix(t.Region, FirstCity) {
			d.Users = append(d.Users, User{Username: "lead-" + t.ID, Role: dispatchd.RoleTeamLead, Team: t.ID, Jurisdiction: t.Region})
		}
	}
	for _, dp := range d.Depots {
		if strings.HasPrefix(dp.Region, FirstCity) || dp.Tier == resources.Provincial {
			d.Users = append(d.Users, User{Username: "mgr-" + dp.ID, Role: dispatchd.RoleDepotManager, Depots: []string{dp.ID}, Jurisdiction: dp.Region})
		}
	}
	return d
}
