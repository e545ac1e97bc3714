package main

import (
	"bytes"
	_ "embed"
	"html/template"
	"strings"
)

//go:embed page.html.tmpl
var pageTemplateText string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"indent": func(depth int) string { return strings.Repeat("\u00a0\u00a0", depth) },
	"md":     renderCellMarkdown,
}).Parse(pageTemplateText))

type pageView struct {
	Header      template.HTML
	SpecBase    string
	Title       string
	Version     string
	Description template.HTML
	Servers     []server
	Channels    []channelView
}

type channelView struct {
	Path        string
	Anchor      string
	Description template.HTML
	Parameters  []parameterView
	Binding     bindingView
	ReadLimit   int64
	CloseCodes  []closeCode
	Upgrades    []upgradeView
	Operations  []operationView
}

type parameterView struct {
	Name, Type, Description string
}

type bindingView struct {
	Present bool
	Method  string
	Version string
	Headers []fieldRow
	Query   []fieldRow
}

type upgradeView struct {
	Status      int
	Description string
	Rows        []fieldRow
}

type operationView struct {
	Heading     string
	Summary     string
	Description template.HTML
	Messages    []messageView
}

type messageView struct {
	Name        string
	Anchor      string
	Title       string
	Summary     string
	Description template.HTML
	PayloadType string
	PayloadNote string
	Rows        []fieldRow
	Examples    []exampleView
	Reply       *replyView // x-reply of a client message
}

// replyView links a request to the messages that answer it.
type replyView struct {
	Messages, Errors []replyLink
	Echoes           []echo
}

type replyLink struct{ Name, Anchor string }

type exampleView struct {
	Name, Summary, JSON string
}

// renderHTML renders the self-contained documentation page of the document.
func (p *plan) renderHTML() ([]byte, error) {
	view := pageView{
		Header:   template.HTML(generatedHeader("<!--", p.doc.SpecBase, "-->")), //nolint:gosec // fixed text around a file base name without "--"
		SpecBase: p.doc.SpecBase, Title: p.doc.Title, Version: p.doc.Version,
		Description: renderMarkdown(p.doc.Description, 0),
		Servers:     p.doc.Servers,
	}
	for _, ch := range p.doc.Channels {
		view.Channels = append(view.Channels, p.channelView(ch))
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, view); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (p *plan) channelView(ch *channel) channelView {
	v := channelView{
		Path: ch.Path, Anchor: p.channelConst[ch], Description: renderMarkdown(ch.Description, 2),
		Binding: p.bindingView(ch.WSBinding), ReadLimit: ch.ReadLimit, CloseCodes: ch.CloseCodes,
	}
	for _, param := range ch.Parameters {
		resolved, ref, _ := p.doc.resolve(param.Schema)
		v.Parameters = append(v.Parameters, parameterView{
			Name: param.Name, Type: typeLabel(resolved, ref, false), Description: param.Description,
		})
	}
	for _, up := range ch.Upgrades {
		uv := upgradeView{Status: up.Status, Description: up.Description}
		if up.Schema != nil {
			uv.Rows = p.doc.fieldRows(up.Schema)
		}
		v.Upgrades = append(v.Upgrades, uv)
	}
	for _, op := range ch.Operations {
		v.Operations = append(v.Operations, p.operationView(ch, op))
	}
	return v
}

func (p *plan) bindingView(ws map[string]any) bindingView {
	if ws == nil {
		return bindingView{}
	}
	b := bindingView{Present: true, Method: stringField(ws, "method"), Version: stringField(ws, "bindingVersion")}
	if headers, ok := ws["headers"].(map[string]any); ok {
		b.Headers = p.doc.fieldRows(headers)
	}
	if query, ok := ws["query"].(map[string]any); ok {
		b.Query = p.doc.fieldRows(query)
	}
	return b
}

var directionHeadings = map[string]string{
	directionClient: "Client → server (publish)",
	directionServer: "Server → client (subscribe)",
}

func (p *plan) operationView(ch *channel, op *operation) operationView {
	v := operationView{
		Heading: directionHeadings[op.Direction], Summary: op.Summary, Description: renderMarkdown(op.Description, 3),
	}
	for _, msg := range sortedMessages(op.Messages) {
		mv := messageView{
			Name: msg.Name, Anchor: p.channelConst[ch] + "-" + op.Direction + "-" + msg.Name,
			Title: msg.Title, Summary: msg.Summary, Description: renderMarkdown(msg.Description, 4),
			PayloadType: p.types.payloadTypes[msg], PayloadNote: p.doc.rootConstraints(msg.Payload),
			Rows: p.doc.fieldRows(msg.Payload),
		}
		if msg.Reply != nil {
			link := func(names []string) []replyLink {
				var out []replyLink
				for _, name := range names {
					out = append(out, replyLink{Name: name, Anchor: p.channelConst[ch] + "-" + directionServer + "-" + name})
				}
				return out
			}
			mv.Reply = &replyView{Messages: link(msg.Reply.Messages), Errors: link(msg.Reply.Errors), Echoes: msg.Reply.Echoes}
		}
		for _, ex := range msg.Examples {
			pretty, err := marshalPretty(ex.Payload)
			if err != nil {
				pretty = []byte(err.Error())
			}
			mv.Examples = append(mv.Examples, exampleView{Name: ex.Name, Summary: ex.Summary, JSON: strings.TrimSpace(string(pretty))})
		}
		v.Messages = append(v.Messages, mv)
	}
	return v
}
