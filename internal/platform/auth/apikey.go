package auth

import "crypto/subtle"

// KeySet is a set of accepted API keys compared in constant time.
type KeySet struct {
	keys [][]byte
}

// NewKeySet accepts exactly keys.
func NewKeySet(keys []string) *KeySet {
	ks := &KeySet{}
	for _, k := range keys {
		ks.keys = append(ks.keys, []byte(k))
	}
	return ks
}

// Contains reports whether key is accepted, without leaking which byte
// differed through timing.
func (ks *KeySet) Contains(key string) bool {
	found := 0
	for _, k := range ks.keys {
		found |= subtle.ConstantTimeCompare(k, []byte(key))
	}
	return found == 1
}
