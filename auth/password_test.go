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
		{"commander", NewUser{Username: " Chief ", Password: "harbour-lamp-42", Role: dispatchd.RoleCommander}, nil},
		{"lead needs a team", NewUser{Username: "lead", Password: "harbour-lamp-42", Role: dispatchd.RoleTeamLead}, []string{"team"}},
		{"manager needs depots", NewUser{Username: "mgr", Password: "harbour-lamp-42", Role: dispatchd.RoleDepotManager}, []string{"depots"}},
		{"viewer has no team", NewUser{Username: "v", Password: "harbour-lamp-42", Role: dispatchd.RoleViewer, Team: "t1"}, []string{"username", "team"}},
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

// TestPasswordPolicy refuses, with a field error on password, what NIST SP
// 800-63B says to refuse, and nothing else.
func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		name, user, pw string
		ok             bool
	}{
		{"four letters", "chief", "aaaa", false},
		{"seven characters", "chief", "kx7#pq2", false},
		{"the most common", "chief", "password", false},
		{"common in any case", "chief", "PassWord", false},
		{"common with digits appended", "chief", "password123!", false},
		{"common in China", "chief", "woaini1314", false},
		{"the username", "admin", "admin", false},
		{"the username, long enough", "commander", "commander", false},
		{"the username inside", "chief", "mychief-2026", false},
		{"the service", "chief", "dispatchd-2026", false},
		{"one character repeated", "chief", "zzzzzzzzzz", false},
		{"a sequence", "chief", "abcdefghij", false},
		{"too long", "chief", strings.Repeat("kx7#", 65), false},
		{"a passphrase", "chief", "correct horse battery staple", true},
		{"eight characters, no composition rules", "chief", "kx7pqmzt", true},
		{"Chinese characters count as one each", "chief", "西湖断桥残雪夕照雷峰", true},
		{"64 characters", "chief", strings.Repeat("kx7#pq2w", 8), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := NewUser{Username: tt.user, Password: tt.pw, Role: dispatchd.RoleAdmin}
			err := n.Validate()
			fields := dispatchd.ErrorFields(err)
			if got := err == nil; got != tt.ok {
				t.Fatalf("got accepted %v (%v), want %v", got, fields, tt.ok)
			}
			if !tt.ok && (len(fields) != 1 || fields[0].Field != "password") {
				t.Fatalf("got errors %v, want one on password", fields)
			}
		})
	}
}
