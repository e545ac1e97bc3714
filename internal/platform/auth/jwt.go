// Package auth verifies and mints the HS256 JWTs the server accepts.
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/sessionhub/server/internal/platform/storedtext"
)

// ErrUnauthorized is returned for a missing, malformed, forged or expired token.
var ErrUnauthorized = errors.New("unauthorized")

// Signer signs and verifies tokens with one HS256 key and one audience, so a
// token minted for one purpose is never accepted for another.
type Signer struct {
	key      []byte
	audience string
}

// NewSigner returns a Signer for audience (empty: tokens without an audience).
func NewSigner(key []byte, audience string) *Signer {
	return &Signer{key: key, audience: audience}
}

// Claims are the registered claims plus the session binding some tokens carry.
type Claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid,omitempty"`
}

// Mint signs a token for subject valid for ttl.
func (s *Signer) Mint(subject, sessionID string, ttl time.Duration) (string, time.Time, error) {
	now := time.Now()
	exp := now.Add(ttl)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: subject, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp)},
		SessionID:        sessionID,
	}
	if s.audience != "" {
		claims.Audience = jwt.ClaimStrings{s.audience}
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return signed, exp, nil
}

// Verify checks signature, algorithm, expiry and audience and returns the
// claims. Every failure wraps ErrUnauthorized; the reason is for logs only.
func (s *Signer) Verify(token string) (*Claims, error) {
	return s.verify(token, jwt.WithExpirationRequired())
}

// VerifyAllowExpired checks everything Verify does except expiry: for
// proving who a token was issued to after it stopped granting access.
func (s *Signer) VerifyAllowExpired(token string) (*Claims, error) {
	return s.verify(token, jwt.WithoutClaimsValidation())
}

// ErrExpired is wrapped (with ErrUnauthorized) when only the expiry failed.
var ErrExpired = errors.New("token expired")

func (s *Signer) verify(token string, extra jwt.ParserOption) (*Claims, error) {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"}), extra}
	if s.audience != "" {
		opts = append(opts, jwt.WithAudience(s.audience))
	}
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.key, nil }, opts...)
	if errors.Is(err, jwt.ErrTokenExpired) {
		return nil, fmt.Errorf("%w: %w", ErrUnauthorized, ErrExpired)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	if s.audience != "" && !containsString(claims.Audience, s.audience) {
		// WithoutClaimsValidation skips the audience check; never skip it.
		return nil, fmt.Errorf("%w: wrong audience", ErrUnauthorized)
	}
	if claims.Subject == "" {
		return nil, fmt.Errorf("%w: token has no subject", ErrUnauthorized)
	}
	if !storedtext.Valid(claims.Subject) {
		// The subject is stored as the owner of what its holder creates.
		return nil, fmt.Errorf("%w: token subject contains NUL", ErrUnauthorized)
	}
	return &claims, nil
}

// BearerToken extracts the token of an "Authorization: Bearer <token>"
// header. The scheme is matched case-insensitively (RFC 7235).
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// ErrUnreadableQuery is wrapped when a request's query string cannot be
// parsed (more than net/url's 10,000 parameters, a bad percent-escape, a
// semicolon) or names access_token more than once: whether it carries a
// token, and which, cannot be told, so it must be refused rather than
// treated as carrying none.
var ErrUnreadableQuery = errors.New("the query string cannot be read")

// QueryToken reads the access_token query parameter, which browsers use
// because they cannot set headers on a WebSocket. present is false when the
// parameter is absent; an empty value is present.
func QueryToken(r *http.Request) (token string, present bool, err error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// url.Values.Get on r.URL.Query() would silently answer "" here.
		return "", false, fmt.Errorf("%w: %v", ErrUnreadableQuery, err)
	}
	values, present := query["access_token"]
	if len(values) > 1 {
		return "", false, fmt.Errorf("%w: access_token is given %d times", ErrUnreadableQuery, len(values))
	}
	if !present {
		return "", false, nil
	}
	return values[0], true, nil
}

// RequestToken finds a bearer token in the Authorization header or, when
// there is none, in the access_token query parameter. ok is false when
// neither holds a token (or the header is not of the Bearer form); err
// wraps ErrUnreadableQuery when the query had to be read and could not be.
func RequestToken(r *http.Request) (token string, ok bool, err error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok = BearerToken(h)
		return token, ok, nil
	}
	token, _, err = QueryToken(r)
	if err != nil {
		return "", false, err
	}
	return token, token != "", nil
}

// DeriveKey derives a purpose-specific signing key from the server secret, so
// tokens of one kind can never be replayed as another even if audiences were
// ignored.
func DeriveKey(secret []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// Fingerprint is a stable, non-reversible name for a secret (an API key) that
// can be stored and compared without storing the secret.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
