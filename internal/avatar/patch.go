package avatar

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// ConfigPatch is the configuration an init carries. ConvoAI repeats the
// start configuration in init, but every field is optional: a nil field
// keeps the session's current value.
type ConfigPatch struct {
	AvatarID            *string
	Quality             *string
	Version             *string
	VideoEncoding       *string
	ActivityIdleTimeout *time.Duration
	Agora               AgoraPatch
	// Vendor holds the optional and unknown fields as sent (a JSON
	// object, "agora_settings" holding unknown Agora keys); merged into
	// the stored ones key by key.
	Vendor []byte
}

// AgoraPatch is the part of agora_settings an init carries.
type AgoraPatch struct {
	AppID           *string
	Token           *string
	Channel         *string
	UID             *string
	EnableStringUID *bool
}

// apply returns c with the patch's fields replacing c's, checked by the
// rules of a start (the numeric uid rule sees the merged settings).
func (p ConfigPatch) apply(c Config) (Config, error) {
	set(&c.AvatarID, p.AvatarID)
	set(&c.Quality, p.Quality)
	set(&c.Version, p.Version)
	set(&c.VideoEncoding, p.VideoEncoding)
	set(&c.ActivityIdleTimeout, p.ActivityIdleTimeout)
	set(&c.Agora.AppID, p.Agora.AppID)
	set(&c.Agora.Token, p.Agora.Token)
	set(&c.Agora.Channel, p.Agora.Channel)
	set(&c.Agora.UID, p.Agora.UID)
	set(&c.Agora.EnableStringUID, p.Agora.EnableStringUID)
	vendor, err := mergeVendor(c.Vendor, p.Vendor)
	if err != nil {
		return Config{}, err
	}
	c.Vendor = vendor
	return c, c.validate()
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// vendorAgoraKey is where vendor fields keep unknown agora_settings keys.
const vendorAgoraKey = "agora_settings"

// mergeVendor merges the JSON object patch into stored key by key, and
// the unknown agora_settings keys one level deeper.
func mergeVendor(stored, patch []byte) ([]byte, error) {
	if len(patch) == 0 {
		return stored, nil
	}
	base, err := vendorObject(stored)
	if err != nil {
		return nil, err
	}
	add, err := vendorObject(patch)
	if err != nil {
		return nil, err
	}
	for k, v := range add {
		if k == vendorAgoraKey {
			v, err = mergeVendor(base[k], v)
			if err != nil {
				return nil, err
			}
		}
		base[k] = v
	}
	return json.Marshal(base)
}

func vendorObject(b []byte) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(b) == 0 || string(b) == "null" {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("vendor fields are not a JSON object: %w", err)
	}
	return m, nil
}

// modeledFields are the settings the domain reads, in a start request and
// an init command alike; modeledAgoraFields the same inside agora_settings.
var (
	modeledFields      = map[string]bool{"avatar_id": true, "quality": true, "version": true, "video_encoding": true, "activity_idle_timeout": true, "agora_settings": true}
	modeledAgoraFields = map[string]bool{"app_id": true, "token": true, "channel": true, "uid": true, "enable_string_uid": true}
)

// VendorFields keeps the optional and unknown settings of a start request
// or an init command (doc, as decoded) as sent, in one shape for both: a
// JSON object of every top-level field the domain does not model, with
// agora_settings holding Agora's unknown keys. envelope names the message's
// own fields, which are no settings (init's command and session_id).
func VendorFields(doc map[string]any, envelope ...string) []byte {
	out := map[string]any{}
	for k, v := range doc {
		if !modeledFields[k] && !slices.Contains(envelope, k) {
			out[k] = v
		}
	}
	if agora, ok := doc["agora_settings"].(map[string]any); ok {
		extra := map[string]any{}
		for k, v := range agora {
			if !modeledAgoraFields[k] {
				extra[k] = v
			}
		}
		if len(extra) > 0 {
			out["agora_settings"] = extra
		}
	}
	vendor, _ := json.Marshal(out) // decoded JSON values always encode
	return vendor
}
