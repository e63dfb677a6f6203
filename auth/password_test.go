package auth

import (
	"strings"
	"testing"

	"dispatchd"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("got %q, want a PHC argon2id string", h)
	}
	h2, _ := HashPassword("correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name, hash, pw string
		want           bool
	}{
		{"right", h, "correct horse", true},
		{"wrong", h, "correct horse!", false},
		{"empty", h, "", false},
		{"not a hash", "plain", "plain", false},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv", "x", false},
		{"absurd memory", strings.Replace(h, "m=19456", "m=99999999", 1), "correct horse", false},
		{"bad salt", strings.Replace(h, "$argon2id$v=19$m=19456,t=2,p=1$", "$argon2id$v=19$m=19456,t=2,p=1$!!", 1), "correct horse", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.hash, tt.pw); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewUserValidate(t *testing.T) {
	tests := []struct {
		name   string
		in     NewUser
		fields []string
	}{
		{"commander", NewUser{Username: " Chief ", Password: "pass1234", Role: dispatchd.RoleCommander}, nil},
		{"lead needs a team", NewUser{Username: "lead", Password: "pass1234", Role: dispatchd.RoleTeamLead}, []string{"team"}},
		{"manager needs depots", NewUser{Username: "mgr", Password: "pass1234", Role: dispatchd.RoleDepotManager}, []string{"depots"}},
		{"viewer has no team", NewUser{Username: "v", Password: "pass1234", Role: dispatchd.RoleViewer, Team: "t1"}, []string{"username", "team"}},
		{"bad everything", NewUser{Username: "UPPER CASE!", Password: "x", Role: "king"}, []string{"username", "password", "role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			got := map[string]bool{}
			for _, f := range dispatchd.ErrorFields(err) {
				got[f.Field] = true
			}
			if len(got) != len(tt.fields) {
				t.Fatalf("got errors %v, want %v", dispatchd.ErrorFields(err), tt.fields)
			}
			for _, f := range tt.fields {
				if !got[f] {
					t.Fatalf("got errors %v, want one on %s", dispatchd.ErrorFields(err), f)
				}
			}
		})
	}
}
