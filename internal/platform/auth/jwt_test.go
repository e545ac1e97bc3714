package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestQueryTokenRefusesWhatItCannotRead: net/url stops at 10,000 parameters
// and drops pairs it cannot decode, so url.Values would answer "no token"
// for a query that carries one.
func TestQueryTokenRefusesWhatItCannotRead(t *testing.T) {
	manyParams := "access_token=bad" + strings.Repeat("&f=1", 10_000)
	for _, tc := range []struct {
		query      string
		token      string
		present    bool
		unreadable bool
	}{
		{query: "", present: false},
		{query: "x=1", present: false},
		{query: "access_token=tok", token: "tok", present: true},
		{query: "access_token=", token: "", present: true},
		{query: "access_token=a%2Bb&x=1", token: "a+b", present: true},
		{query: manyParams, unreadable: true},
		{query: "access_token=bad;x=1", unreadable: true},
		{query: "x=%zz&access_token=bad", unreadable: true},
		{query: "access_token=%zz", unreadable: true},
		{query: "access_token=good&access_token=bad", unreadable: true},
	} {
		r := httptest.NewRequest(http.MethodGet, "/ws/", nil)
		r.URL.RawQuery = tc.query
		token, present, err := QueryToken(r)
		if tc.unreadable {
			if !errors.Is(err, ErrUnreadableQuery) {
				t.Errorf("query %.40q: want ErrUnreadableQuery, got token %q present %v err %v", tc.query, token, present, err)
			}
			if _, ok, err := RequestToken(r); ok || !errors.Is(err, ErrUnreadableQuery) {
				t.Errorf("query %.40q: RequestToken must refuse too, got ok %v err %v", tc.query, ok, err)
			}
			continue
		}
		if err != nil || token != tc.token || present != tc.present {
			t.Errorf("query %.40q: got %q present %v err %v, want %q present %v", tc.query, token, present, err, tc.token, tc.present)
		}
	}

	// The Authorization header wins: the query is not read for credentials.
	r := httptest.NewRequest(http.MethodGet, "/ws/", nil)
	r.URL.RawQuery = manyParams
	r.Header.Set("Authorization", "Bearer from-header")
	if token, ok, err := RequestToken(r); token != "from-header" || !ok || err != nil {
		t.Fatalf("with a header: got %q %v %v", token, ok, err)
	}
}
