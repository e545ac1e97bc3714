package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplyMistakesAreRefused edits the fixture's x-reply and requires the
// generator to refuse each mistake with a message that says what is wrong.
func TestReplyMistakesAreRefused(t *testing.T) {
	fixture, err := os.ReadFile(fixtureSpec)
	if err != nil {
		t.Fatal(err)
	}
	const good = "        messages: [item_created]\n        errors: [error]\n        echoes:\n          '/command': '/command'\n"
	if !strings.Contains(string(fixture), good) {
		t.Fatal("the fixture's x-reply of create_item changed; update this test")
	}
	tests := map[string]struct{ reply, want string }{
		"unknown reply":       {"        messages: [room_event]\n", "x-reply names room_event, which the server does not send on this channel"},
		"no reply at all":     {"        echoes:\n          '/command': '/command'\n", "name at least one reply in messages or errors"},
		"reply is also error": {"        messages: [item_created, error]\n        errors: [error]\n", "lists error both as a reply and as an error"},
		"misspelt echo":       {"        messages: [item_created]\n        echoes:\n          '/comand': '/command'\n", "echoes /comand: no reply has that property"},
		"echo of nothing":     {"        messages: [item_created]\n        echoes:\n          '/command': '/cmd'\n", "the request has no property /cmd"},
		"unknown key":         {"        message: [item_created]\n", "message: unknown key"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			spec := filepath.Join(t.TempDir(), "spec.asyncapi.yaml")
			if err := os.WriteFile(spec, []byte(strings.Replace(string(fixture), good, tt.reply, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			doc, err := loadDocument(spec)
			if err == nil {
				_, err = newPlan(doc, "fixture")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
