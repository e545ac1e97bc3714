package auth

import (
	"crypto/sha256"
	"crypto/subtle"
)

// KeySet is a set of accepted API keys compared in constant time.
type KeySet struct {
	digests [][sha256.Size]byte
}

// NewKeySet accepts exactly keys.
func NewKeySet(keys []string) *KeySet {
	ks := &KeySet{}
	for _, k := range keys {
		ks.digests = append(ks.digests, sha256.Sum256([]byte(k)))
	}
	return ks
}

// Contains reports whether key is accepted. Digests of equal length are
// compared, each in full, so the timing reveals neither which byte differed
// nor how long the accepted keys are.
func (ks *KeySet) Contains(key string) bool {
	d := sha256.Sum256([]byte(key))
	found := 0
	for _, k := range ks.digests {
		found |= subtle.ConstantTimeCompare(k[:], d[:])
	}
	return found == 1
}
