package ops

import (
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/swaggest/swgui/v5emb"
)

// APIDoc describes one of the server's APIs on the /docs index.
type APIDoc struct {
	Title       string
	Seed        string
	Description string
	OpenAPI     string // spec file rendered with Swagger UI at /docs/openapi/<name>/, if any
	AsyncAPI    []AsyncDoc
}

// AsyncDoc names one AsyncAPI document and its pre-rendered page.
type AsyncDoc struct {
	Spec string // spec file name, served at /specs/<Spec>
	Page string // page name inside the pages FS, served at /docs/asyncapi/<Page>
}

// RegisterDocs mounts /docs (index), /docs/openapi/<name>/ (Swagger UI, all
// assets embedded in the binary) and /docs/asyncapi/<page> (static pages
// rendered at generate time). Nothing on these pages loads from elsewhere.
func RegisterDocs(r gin.IRouter, apis []APIDoc, pages fs.FS) {
	index := template.Must(template.New("index").Parse(indexTemplate))
	r.GET("/docs", func(c *gin.Context) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		_ = index.Execute(c.Writer, apis)
	})
	for _, api := range apis {
		if api.OpenAPI == "" {
			continue
		}
		base := api.OpenAPIPath()
		ui := v5emb.New(api.Title, "/specs/"+api.OpenAPI, base)
		r.GET(base+"*asset", gin.WrapH(ui))
	}
	r.GET("/docs/asyncapi/:page", func(c *gin.Context) {
		page := c.Param("page")
		body, err := fs.ReadFile(pages, path.Base(page))
		if err != nil || page != path.Base(page) {
			c.JSON(http.StatusNotFound, gin.H{"error": "Not found", "message": "no such page: " + page})
			return
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", body)
	})
}

// OpenAPIPath is where the Swagger UI of the API's OpenAPI document lives.
func (a APIDoc) OpenAPIPath() string {
	return "/docs/openapi/" + strings.TrimSuffix(a.OpenAPI, ".openapi.yaml") + "/"
}

const indexTemplate = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>API documentation</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2430;line-height:1.5}
h1{margin-bottom:.2rem}.api{border:1px solid #d5dbe3;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
.api h2{margin:.1rem 0 .4rem}.seed{color:#5b6573;font-size:.9rem}a{color:#0b5cad}ul{margin:.4rem 0}
code{background:#f1f3f6;padding:0 .25rem;border-radius:3px}
</style>
</head>
<body>
<h1>API documentation</h1>
<p>Everything this server speaks, rendered from the specs it was generated from. Raw documents: <a href="/specs">/specs</a>.</p>
{{range .}}
<section class="api" id="{{.Seed}}">
<h2>{{.Title}}</h2>
<div class="seed">seed {{.Seed}}</div>
<p>{{.Description}}</p>
<ul>
{{if .OpenAPI}}<li>REST: <a href="{{.OpenAPIPath}}">interactive reference</a> · <a href="/specs/{{.OpenAPI}}">{{.OpenAPI}}</a></li>{{end}}
{{range .AsyncAPI}}<li>WebSocket: <a href="/docs/asyncapi/{{.Page}}">message reference</a> · <a href="/specs/{{.Spec}}">{{.Spec}}</a></li>{{end}}
</ul>
</section>
{{end}}
</body>
</html>
`
