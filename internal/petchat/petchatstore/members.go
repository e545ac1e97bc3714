package petchatstore

import (
	"sync"

	"github.com/sessionhub/server/internal/petchat"
)

// maxCachedConversations bounds the member cache; when full it starts over
// (entries are cheap to reload, and a chat's busy conversations come back
// at once).
const maxCachedConversations = 50_000

// memberCache remembers conversations' immutable part (id, pet, client,
// providers, creation time), so sending a message reads no participants.
type memberCache struct {
	mu      sync.RWMutex
	entries map[string]petchat.Conversation
}

func newMemberCache() *memberCache {
	return &memberCache{entries: map[string]petchat.Conversation{}}
}

func (m *memberCache) get(id string) (petchat.Conversation, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, ok := m.entries[id]
	return c, ok
}

func (m *memberCache) put(c petchat.Conversation) {
	c.LastMessage = nil
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) >= maxCachedConversations {
		clear(m.entries)
	}
	m.entries[c.ID] = c
}
