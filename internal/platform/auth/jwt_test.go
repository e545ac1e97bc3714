package auth

import (
	"errors"
	"testing"
	"time"
)

func TestSignerRoundTripAndRefusals(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s := NewSigner(key, "avatar-session")
	token, _, err := s.Mint("sess-1", "sess-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := s.Verify(token)
	if err != nil || claims.Subject != "sess-1" || claims.SessionID != "sess-1" {
		t.Fatalf("Verify = %+v, %v; want the minted claims", claims, err)
	}

	expired, _, _ := s.Mint("sess-1", "sess-1", -time.Minute)
	otherAudience, _, _ := NewSigner(key, "therapy").Mint("sess-1", "sess-1", time.Hour)
	otherKey, _, _ := NewSigner([]byte("another-key-another-key-another!"), "avatar-session").Mint("sess-1", "sess-1", time.Hour)
	nulSubject, _, _ := s.Mint("al\x00ice", "sess-1", time.Hour) // a subject is stored as an owner
	for name, tok := range map[string]string{
		"expired": expired, "other audience": otherAudience, "other key": otherKey, "NUL in the subject": nulSubject,
		"garbage": "not.a.jwt", "empty": "", "tampered": token[:len(token)-2] + "xx",
	} {
		if _, err := s.Verify(tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: Verify err = %v, want ErrUnauthorized", name, err)
		}
	}
	if _, err := s.Verify(expired); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: err = %v, want ErrExpired", err)
	}
	if _, err := s.VerifyAllowExpired(expired); err != nil {
		t.Errorf("VerifyAllowExpired(expired) = %v, want nil", err)
	}
	if _, err := s.VerifyAllowExpired(otherAudience); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("VerifyAllowExpired(other audience) = %v, want ErrUnauthorized", err)
	}
	if _, err := s.VerifyAllowExpired(otherKey); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("VerifyAllowExpired(other key) = %v, want ErrUnauthorized", err)
	}
}

func TestBearerToken(t *testing.T) {
	for header, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": ""} {
		got, ok := BearerToken(header)
		if got != want || ok != (want != "") {
			t.Errorf("BearerToken(%q) = %q, %v; want %q", header, got, ok, want)
		}
	}
}

func TestKeySet(t *testing.T) {
	ks := NewKeySet([]string{"k1", "k2"})
	if !ks.Contains("k2") || ks.Contains("k3") || ks.Contains("") {
		t.Fatal("KeySet accepts exactly its keys")
	}
}
