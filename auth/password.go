package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"dispatchd"
)

// Argon2id parameters: the OWASP minimum (19 MiB, 2 passes, 1 lane), which
// keeps a login near 30 ms on one core.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC-format hash.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false
	}
	if mem == 0 || mem > 1<<20 || iter == 0 || iter > 16 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// Password and username bounds. A login with longer ones is refused before
// anything is counted or hashed.
const (
	MinPassword = 8
	MaxPassword = 256
	MaxUsername = 64
)

//go:embed common_passwords.txt
var commonPasswordsFile string

// commonPasswords is the blocklist of checkPassword, lowercased.
var commonPasswords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, l := range strings.Split(commonPasswordsFile, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = struct{}{}
		}
	}
	return m
}()

// checkPassword applies NIST SP 800-63B's rules for a password chosen by a
// person: at least 8 characters, up to 256 bytes (any characters, no
// composition rules), and none that attackers try first: a common or
// breached password, one repeated or sequential character, or one made of
// the username or the service's name.
func checkPassword(f *dispatchd.Fields, pw, username string) {
	n := utf8.RuneCountInString(pw)
	low := strings.ToLower(pw)
	switch {
	case n < MinPassword:
		f.Add("password", "must be at least %d characters", MinPassword)
	case len(pw) > MaxPassword:
		f.Add("password", "must be at most %d bytes", MaxPassword)
	case isCommon(low):
		f.Add("password", "is too common: it is on a list of passwords attackers try first")
	case trivial(low):
		f.Add("password", "is one character repeated or a sequence: choose one that is harder to guess")
	case len(username) >= 3 && strings.Contains(low, strings.ToLower(username)):
		f.Add("password", "must not contain the username")
	case strings.Contains(low, "dispatchd"):
		f.Add("password", "must not contain the name of the service")
	}
}

// isCommon reports whether the password, lowercased, is on the blocklist,
// also with the digits or symbols people append to a common word.
func isCommon(low string) bool {
	if _, ok := commonPasswords[low]; ok {
		return true
	}
	base := strings.TrimRightFunc(low, func(r rune) bool { return r < 128 && !unicode.IsLetter(r) })
	_, ok := commonPasswords[base]
	return ok && len(low)-len(base) <= 4
}

// trivial reports whether s is one character repeated, or a run of
// characters each one above or below the one before (abcdefgh, 98765432).
func trivial(s string) bool {
	r := []rune(s)
	same, up, down := true, true, true
	for i := 1; i < len(r); i++ {
		same = same && r[i] == r[0]
		up = up && r[i] == r[i-1]+1
		down = down && r[i] == r[i-1]-1
	}
	return same || up || down
}
