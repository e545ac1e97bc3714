// Package ops serves the operational endpoints every deployment needs:
// liveness, readiness, metrics, the raw specs and the API documentation.
package ops

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Pinger reports whether a dependency answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Register mounts /healthz, /readyz, /metrics and /specs/{file}.
func Register(r gin.IRouter, db Pinger, metrics http.Handler, specs fs.FS) {
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": "unreachable"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready", "database": "ok"})
	})
	r.GET("/metrics", gin.WrapH(metrics))
	r.GET("/specs/:file", func(c *gin.Context) {
		serveSpec(c, specs)
	})
	r.GET("/specs", func(c *gin.Context) {
		entries, _ := fs.ReadDir(specs, ".")
		files := make([]string, 0, len(entries))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".yaml") {
				files = append(files, e.Name())
			}
		}
		c.JSON(http.StatusOK, gin.H{"specs": files})
	})
}

func serveSpec(c *gin.Context, specs fs.FS) {
	name := c.Param("file")
	if name != path.Base(name) || !strings.HasSuffix(name, ".yaml") {
		c.JSON(http.StatusNotFound, gin.H{"error": "Not found", "message": "no such spec: " + name})
		return
	}
	body, err := fs.ReadFile(specs, name)
	if err != nil {
		c.JSON(http.StatusNotFound, gin.H{"error": "Not found", "message": "no such spec: " + name})
		return
	}
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", body)
}
