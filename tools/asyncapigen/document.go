package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"

	spec "github.com/swaggest/go-asyncapi/spec-2.1.0"
)

// Directions of a message, seen from the server: publish operations carry
// what the client sends, subscribe operations what the server sends.
const (
	directionClient = "client"
	directionServer = "server"
)

// document is the part of an AsyncAPI 2.1.0 document the generator uses, with
// every message $ref resolved and every map turned into a sorted slice.
type document struct {
	SpecBase    string // base name of the spec file, for "Code generated" headers
	Title       string
	Version     string
	Description string
	Servers     []server
	Channels    []*channel           // sorted by path
	Messages    []*message           // every message used by a channel, sorted by name
	Schemas     map[string]schemaObj // components.schemas
}

type server struct {
	Name, URL, Protocol, Description string
}

type channel struct {
	Path        string
	Description string
	Parameters  []parameter
	ReadLimit   int64 // x-read-limit, 0 when absent
	CloseCodes  []closeCode
	Upgrades    []upgradeResponse
	WSBinding   map[string]any // bindings.ws
	Operations  []*operation   // client (publish) first, then server (subscribe)
}

type operation struct {
	Direction   string
	Summary     string
	Description string
	Messages    []*message
}

type message struct {
	Key         string // components.messages key, empty for an inline message
	Name        string
	Title       string
	Summary     string
	Description string
	Payload     schemaObj
	Examples    []example
	Reply       *replySpec // x-reply of a client message; nil when none answers it
}

type example struct {
	Name, Summary string
	Payload       any
	JSON          string // Payload encoded
}

type parameter struct {
	Name, Description string
	Schema            schemaObj
}

type closeCode struct {
	Code        int
	Description string
	Reasons     []string // the close frame's reason texts, "" for none; nil when the spec names none
}

type upgradeResponse struct {
	Status      int
	Description string
	Schema      schemaObj // nil when the response has no body
}

// messageNamePattern keeps message names usable as file names.
var messageNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func loadDocument(path string) (*document, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var api spec.AsyncAPI
	if err := api.UnmarshalYAML(raw); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	doc := &document{
		SpecBase:    filepath.Base(path),
		Title:       api.Info.Title,
		Version:     api.Info.Version,
		Description: api.Info.Description,
		Servers:     loadServers(api.Servers),
		Schemas:     map[string]schemaObj{},
	}
	if api.Components != nil {
		for name, s := range api.Components.Schemas {
			doc.Schemas[name] = s
		}
	}
	l := &loader{api: &api, byKey: map[string]*message{}, byName: map[string]*message{}}
	for _, p := range sortedKeys(api.Channels) {
		ch, err := l.channel(p, api.Channels[p])
		if err != nil {
			return nil, fmt.Errorf("channel %s: %w", p, err)
		}
		doc.Channels = append(doc.Channels, ch)
	}
	for _, name := range sortedKeys(l.byName) {
		doc.Messages = append(doc.Messages, l.byName[name])
	}
	return doc, nil
}

func loadServers(servers map[string]spec.Server) []server {
	var out []server
	for _, name := range sortedKeys(servers) {
		s := servers[name]
		out = append(out, server{Name: name, URL: s.URL, Protocol: s.Protocol, Description: s.Description})
	}
	return out
}

// loader resolves messages once, so a message shared by several channels is
// one *message.
type loader struct {
	api    *spec.AsyncAPI
	byKey  map[string]*message
	byName map[string]*message
}

func (l *loader) channel(path string, item spec.ChannelItem) (*channel, error) {
	if item.Ref != "" {
		return nil, fmt.Errorf("channel $ref %q is not supported", item.Ref)
	}
	ch := &channel{Path: path, Description: item.Description}
	var err error
	if ch.Parameters, err = l.parameters(item.Parameters); err != nil {
		return nil, err
	}
	if err := readChannelExtensions(ch, item.MapOfAnything); err != nil {
		return nil, err
	}
	if item.Bindings != nil && item.Bindings.Ws != nil {
		ch.WSBinding, _ = (*item.Bindings.Ws).(map[string]any)
	}
	for _, op := range []struct {
		direction string
		op        *spec.Operation
	}{{directionClient, item.Publish}, {directionServer, item.Subscribe}} {
		if op.op == nil {
			continue
		}
		msgs, err := l.operationMessages(op.op.Message)
		if err != nil {
			return nil, fmt.Errorf("%s messages: %w", op.direction, err)
		}
		ch.Operations = append(ch.Operations, &operation{
			Direction: op.direction, Summary: op.op.Summary, Description: op.op.Description, Messages: msgs,
		})
	}
	return ch, nil
}

func (l *loader) parameters(params map[string]spec.Parameter) ([]parameter, error) {
	var out []parameter
	for _, name := range sortedKeys(params) {
		p := params[name]
		if p.Ref != "" {
			resolved, err := l.componentParameter(p.Ref)
			if err != nil {
				return nil, err
			}
			p = resolved
		}
		out = append(out, parameter{Name: name, Description: p.Description, Schema: p.Schema})
	}
	return out, nil
}

func (l *loader) componentParameter(ref string) (spec.Parameter, error) {
	key, ok := cutRef(ref, "#/components/parameters/")
	if ok && l.api.Components != nil {
		if p, found := l.api.Components.Parameters[key]; found {
			return p, nil
		}
	}
	return spec.Parameter{}, fmt.Errorf("unresolved parameter $ref %q", ref)
}

func readChannelExtensions(ch *channel, ext map[string]any) error {
	if v, ok := ext["x-read-limit"].(float64); ok {
		ch.ReadLimit = int64(v)
	}
	codes, _ := ext["x-close-codes"].(map[string]any)
	codeKeys, err := numericKeys(codes)
	if err != nil {
		return fmt.Errorf("x-close-codes: %w", err)
	}
	for _, code := range codeKeys {
		cc, err := parseCloseCode(code, codes[strconv.Itoa(code)])
		if err != nil {
			return fmt.Errorf("x-close-codes: %d: %w", code, err)
		}
		ch.CloseCodes = append(ch.CloseCodes, cc)
	}
	upgrades, _ := ext["x-upgrade-responses"].(map[string]any)
	statuses, err := numericKeys(upgrades)
	if err != nil {
		return fmt.Errorf("x-upgrade-responses: %w", err)
	}
	for _, status := range statuses {
		body, _ := upgrades[strconv.Itoa(status)].(map[string]any)
		desc, _ := body["description"].(string)
		s, _ := body["schema"].(map[string]any)
		ch.Upgrades = append(ch.Upgrades, upgradeResponse{Status: status, Description: desc, Schema: s})
	}
	return nil
}

// parseCloseCode reads one x-close-codes entry: a description, or an object
// with the description and the reasons the close frame carries.
//
//	'1000':
//	  description: Normal closure ...
//	  reasons: ['session stopped', '']   # '' is a close frame without a reason
func parseCloseCode(code int, raw any) (closeCode, error) {
	switch v := raw.(type) {
	case string:
		return closeCode{Code: code, Description: v}, nil
	case map[string]any:
		cc := closeCode{Code: code}
		for key, value := range v {
			switch key {
			case "description":
				s, ok := value.(string)
				if !ok {
					return cc, errors.New("description: want a string")
				}
				cc.Description = s
			case "reasons":
				list, ok := value.([]any)
				if !ok || len(list) == 0 {
					return cc, errors.New("reasons: want a list of the reason texts ('' for none)")
				}
				for _, item := range list {
					s, ok := item.(string)
					if !ok {
						return cc, fmt.Errorf("reasons: %v is not a string", item)
					}
					if slices.Contains(cc.Reasons, s) {
						return cc, fmt.Errorf("reasons: %q listed twice", s)
					}
					cc.Reasons = append(cc.Reasons, s)
				}
			default:
				return cc, fmt.Errorf("unknown key %q (want description, reasons)", key)
			}
		}
		if cc.Description == "" {
			return cc, errors.New("description is missing")
		}
		return cc, nil
	}
	return closeCode{}, errors.New("want a description or {description, reasons}")
}

// numericKeys returns the keys of m as integers, in numeric order.
func numericKeys(m map[string]any) ([]int, error) {
	keys := make([]int, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k)
		if err != nil || strconv.Itoa(n) != k {
			return nil, fmt.Errorf("key %q is not an integer", k)
		}
		keys = append(keys, n)
	}
	sort.Ints(keys)
	return keys, nil
}
