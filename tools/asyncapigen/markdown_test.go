package main

import (
	"strings"
	"testing"
)

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraph joins lines", "one\ntwo", "<p>one two</p>\n"},
		{"escapes html", "a <b> & \"c\"", "<p>a &lt;b&gt; &amp; &#34;c&#34;</p>\n"},
		{"heading shifted", "## Decisions", "<h3>Decisions</h3>\n"},
		{"hash without space is text", "#hashtag", "<p>#hashtag</p>\n"},
		{"bullets", "- a `x<y>`\n- b", "<ul>\n<li>a <code>x&lt;y&gt;</code></li>\n<li>b</li>\n</ul>\n"},
		{"numbered", "1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n"},
		{"continuation line", "- a\n  more", "<ul>\n<li>a more</li>\n</ul>\n"},
		{"bold and em", "**b** and *e*", "<p><strong>b</strong> and <em>e</em></p>\n"},
		{"code keeps stars", "`a*b*c`", "<p><code>a*b*c</code></p>\n"},
		{"bold around code", "**`x` reply.** more", "<p><strong><code>x</code> reply.</strong> more</p>\n"},
		{"links become text", "see [docs](https://example.invalid/x)", "<p>see docs</p>\n"},
		{"fenced code", "```json\n{\"a\": 1}\n```", "<pre><code>{&#34;a&#34;: 1}</code></pre>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(renderMarkdown(tt.in, 1)); got != tt.want {
				t.Errorf("renderMarkdown(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderMarkdownNeverEmitsRawTags(t *testing.T) {
	out := string(renderMarkdown("<script>alert(1)</script>\n- <img src=x>\n## <i>h</i>\n`<b>`", 0))
	for _, tag := range []string{"<script", "<img", "<i>", "<b>"} {
		if strings.Contains(out, tag) {
			t.Errorf("output contains raw %s: %s", tag, out)
		}
	}
}
