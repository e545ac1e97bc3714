package avatar_test

import (
	"testing"

	"github.com/sessionhub/server/internal/avatar"
)

// TestVendorFieldsKeepWhatTheDomainDoesNotModel: a start request and an
// init command leave the same vendor fields, whatever the message's own
// fields are.
func TestVendorFieldsKeepWhatTheDomainDoesNotModel(t *testing.T) {
	settings := map[string]any{
		"avatar_id": "a", "quality": "high", "version": "v1", "video_encoding": "H264", "activity_idle_timeout": 60.0,
		"area": "JAPAN", "video_width": 720.0, "x_custom": map[string]any{"k": true},
		"agora_settings": map[string]any{"app_id": "app", "token": "t", "channel": "c", "uid": "1", "enable_string_uid": false, "region": "eu"},
	}
	const want = `{"agora_settings":{"region":"eu"},"area":"JAPAN","video_width":720,"x_custom":{"k":true}}`
	if got := string(avatar.VendorFields(settings)); got != want {
		t.Errorf("start request: %s, want %s", got, want)
	}
	init := map[string]any{"command": "init", "session_id": "s"}
	for k, v := range settings {
		init[k] = v
	}
	if got := string(avatar.VendorFields(init, "command", "session_id")); got != want {
		t.Errorf("init command: %s, want %s", got, want)
	}
	if got := string(avatar.VendorFields(map[string]any{"avatar_id": "a", "agora_settings": map[string]any{"token": "t"}})); got != `{}` {
		t.Errorf("only modeled settings: %s, want {}", got)
	}
}
