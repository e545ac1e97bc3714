package therapyhttp

import (
	"errors"
	"net/http"

	"github.com/sessionhub/server/internal/platform/auth"
)

// Refusal is why a request is not authenticated, as documented.
type Refusal struct {
	Message   string // the error body's message
	Challenge string // the WWW-Authenticate header
}

// Authenticate finds the caller of r: the bearer token's sub, from the
// Authorization header or (for browsers' WebSockets) access_token.
func Authenticate(tokens *auth.Signer, r *http.Request) (*auth.Claims, *Refusal) {
	token, ok, err := auth.RequestToken(r)
	if err != nil {
		return nil, &Refusal{Message: "Credentials cannot be read: the query string is malformed or repeats access_token", Challenge: `Bearer error="invalid_request"`}
	}
	if !ok {
		if r.Header.Get("Authorization") != "" {
			return nil, &Refusal{Message: "Invalid bearer token", Challenge: `Bearer error="invalid_token"`}
		}
		return nil, &Refusal{Message: "Missing bearer token", Challenge: "Bearer"}
	}
	claims, err := tokens.Verify(token)
	switch {
	case errors.Is(err, auth.ErrExpired):
		return nil, &Refusal{Message: "Bearer token expired", Challenge: `Bearer error="invalid_token"`}
	case err != nil:
		return nil, &Refusal{Message: "Invalid bearer token", Challenge: `Bearer error="invalid_token"`}
	}
	return claims, nil
}
