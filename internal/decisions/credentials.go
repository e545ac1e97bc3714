package decisions

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// tokenBytes is the entropy of a token: 256 bits.
const tokenBytes = 32

// TokenLength is a token's length in characters (URL-safe base64 of 32
// bytes, no padding).
const TokenLength = 43

// newToken returns a fresh random token.
func newToken() string {
	buf := make([]byte, tokenBytes)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(buf)
}

// wellFormedToken reports whether s could be a token this server issued,
// so obviously wrong values never reach the database.
func wellFormedToken(s string) bool {
	if len(s) != TokenLength {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// HashToken is the stored form of a token: hex SHA-256. A token carries 256
// random bits, so a plain hash is enough to make a leaked table useless.
func HashToken(token string) string { return sha256Hex(token) }

// HashChecksum is the stored form of a checksum. A checksum is a credential
// (it buys a token through Connection), so it is never stored as sent.
func HashChecksum(checksum string) string { return sha256Hex(checksum) }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
