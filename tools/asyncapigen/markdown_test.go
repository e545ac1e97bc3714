package main

import (
	"strings"
	"testing"
)

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraph joins lines", "one\ntwo", "<p>one\ntwo</p>\n"},
		{"escapes html", "a < b & \"c\"", "<p>a &lt; b &amp; &quot;c&quot;</p>\n"},
		{"heading shifted", "## Decisions", "<h3>Decisions</h3>\n"},
		{"heading shift stops at h6", "###### Deep", "<h6>Deep</h6>\n"},
		{"hash without space is text", "#hashtag", "<p>#hashtag</p>\n"},
		{"bullets", "- a `x<y>`\n- b", "<ul>\n<li>a <code>x&lt;y&gt;</code></li>\n<li>b</li>\n</ul>\n"},
		{"numbered", "1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n"},
		{"bold and em", "**b** and *e*", "<p><strong>b</strong> and <em>e</em></p>\n"},
		{"code keeps stars", "`a*b*c`", "<p><code>a*b*c</code></p>\n"},
		{"fenced code", "```json\n{\"a\": 1}\n```", "<pre><code class=\"language-json\">{&quot;a&quot;: 1}\n</code></pre>\n"},
		{"table", "| code | when |\n| --- | --- |\n| `INVALID_JSON` | not JSON |",
			"<table>\n<thead>\n<tr>\n<th>code</th>\n<th>when</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td><code>INVALID_JSON</code></td>\n<td>not JSON</td>\n</tr>\n</tbody>\n</table>\n"},
		{"image is its alt text", "see ![the diagram](https://example.invalid/d.png)", "<p>see <span class=\"image-alt\">the diagram</span></p>\n"},
		{"link", "see [docs](#ChannelWs)", "<p>see <a href=\"#ChannelWs\">docs</a></p>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(renderMarkdown(tt.in, 1)); got != tt.want {
				t.Errorf("renderMarkdown(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderCellMarkdown(t *testing.T) {
	tests := map[string]string{
		"Reply to `Register`.":     "Reply to <code>Register</code>.",
		"one\n\ntwo":               "<p>one</p>\n<p>two</p>",
		"- a\n- b":                 "<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
		"":                         "",
		"plain <b>bold</b> & more": "plain <!-- raw HTML omitted -->bold<!-- raw HTML omitted --> &amp; more",
	}
	for in, want := range tests {
		if got := string(renderCellMarkdown(in)); got != want {
			t.Errorf("renderCellMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenderMarkdownNeverEmitsRawTags(t *testing.T) {
	out := string(renderMarkdown("<script>alert(1)</script>\n\n- <img src=x>\n## <i>h</i>\n`<b>`\n\n![x](/logo.png) [y](javascript:alert(1))", 0))
	for _, tag := range []string{"<script", "<img", "<i>", "<b>", "javascript:"} {
		if strings.Contains(out, tag) {
			t.Errorf("output contains raw %s: %s", tag, out)
		}
	}
}
