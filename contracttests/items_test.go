package contracttests

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sessionhub/server/gen/wsclient"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// The ledger's items, read from the specs: the OpenAPI documents
// themselves, and the tables and JSON Schemas the AsyncAPI generator wrote
// from the AsyncAPI documents. Nothing here lists an item by hand, so a code
// added to a spec is an item that fails the suite until a test checks it.

// restItems lists, for every operation of an OpenAPI doc, each documented
// status, or, when the response's body has a `code` with an enum, each of
// those codes with the status.
func restItems(doc *openapi3.T) []string {
	var items []string
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Find(path).Operations() {
			for code, ref := range op.Responses.Map() {
				var status int
				if _, err := fmt.Sscanf(code, "%d", &status); err != nil {
					continue
				}
				codes := responseCodes(ref)
				if len(codes) == 0 {
					items = append(items, restItem(op.OperationID, status))
				}
				for _, c := range codes {
					items = append(items, restCodeItem(op.OperationID, status, c))
				}
			}
		}
	}
	return items
}

// responseCodes are the values the `code` property of a response's JSON
// body may take (its enum), or none.
func responseCodes(ref *openapi3.ResponseRef) []string {
	if ref == nil || ref.Value == nil {
		return nil
	}
	media := ref.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return nil
	}
	prop := media.Schema.Value.Properties["code"]
	if prop == nil || prop.Value == nil {
		return nil
	}
	var codes []string
	for _, v := range prop.Value.Enum {
		if s, ok := v.(string); ok {
			codes = append(codes, s)
		}
	}
	sort.Strings(codes)
	return codes
}

// errorCodeField is where a server message carries a stable error code: the
// JSON pointer of its `code` property (top level or under `data`) and the
// values its schema allows. ok is false for messages without one.
type errorCodeField struct {
	pointer []string
	codes   []string
}

// errorCodes reads the message's generated JSON Schema for a `code` property
// with an enum.
func errorCodes(schemas wsschema.SchemaSource, name string) (errorCodeField, bool) {
	raw, ok := schemas(name)
	if !ok {
		return errorCodeField{}, false
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		panic(name + ": " + err.Error())
	}
	resolve := func(s map[string]any) map[string]any {
		for {
			ref, _ := s["$ref"].(string)
			def, found := strings.CutPrefix(ref, "#/$defs/")
			if !found {
				return s
			}
			defs, _ := root["$defs"].(map[string]any)
			s, _ = defs[def].(map[string]any)
		}
	}
	for _, path := range [][]string{{"code"}, {"data", "code"}} {
		s := resolve(root)
		for _, prop := range path {
			props, _ := s["properties"].(map[string]any)
			next, _ := props[prop].(map[string]any)
			s = resolve(next)
		}
		enum, _ := s["enum"].([]any)
		if len(enum) == 0 {
			continue
		}
		f := errorCodeField{pointer: path}
		for _, v := range enum {
			if c, ok := v.(string); ok {
				f.codes = append(f.codes, c)
			}
		}
		sort.Strings(f.codes)
		return f, true
	}
	return errorCodeField{}, false
}

// code reads the field's value from a decoded frame.
func (f errorCodeField) code(frame map[string]any) (string, bool) {
	var v any = frame
	for _, prop := range f.pointer {
		obj, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		v = obj[prop]
	}
	s, ok := v.(string)
	return s, ok
}

// wsItems lists every message, error code, close code with reason and
// upgrade refusal of a generated AsyncAPI package's tables.
func wsItems(messages []wsclient.MessageInfo, channels []wsclient.ChannelInfo, schemas wsschema.SchemaSource) []string {
	var items []string
	for _, m := range messages {
		items = append(items, messageItem(m.Channel, m.Direction, m.Name))
		if m.Direction == wsclient.DirectionServer {
			if f, ok := errorCodes(schemas, m.Name); ok {
				for _, code := range f.codes {
					items = append(items, errorCodeItem(m.Channel, m.Name, code))
				}
			}
		}
	}
	for _, c := range channels {
		for code := range c.CloseCodes {
			reasons, documented := c.CloseReasons[code]
			if !documented {
				panic(fmt.Sprintf("%s: close code %d documents no reasons (x-close-codes: {description, reasons})", c.Path, code))
			}
			for _, r := range reasons {
				items = append(items, closeItem(c.Path, code, r))
			}
		}
		for status := range c.UpgradeResponses {
			items = append(items, upgradeItem(c.Path, status))
		}
	}
	return items
}

// channelMessages returns the names of a channel's messages in one direction.
func channelMessages(messages []wsclient.MessageInfo, channel, direction string) []string {
	var names []string
	for _, m := range messages {
		if m.Channel == channel && m.Direction == direction {
			names = append(names, m.Name)
		}
	}
	return names
}
