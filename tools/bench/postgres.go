package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
)

const (
	defaultPGImage   = "postgres:16-alpine"
	containerTimeout = 3 * time.Minute
)

// postgresEngine is one PostgreSQL container, started the way the contract
// suite starts it; every server gets a database of its own in it.
type postgresEngine struct {
	container *postgres.PostgresContainer
	adminDSN  string
	version   string // e.g. "PostgreSQL 15.14"
	mu        sync.Mutex
	databases int
	stopped   sync.Once
}

func startPostgres(ctx context.Context, image string) (*postgresEngine, error) {
	ctx, cancel := context.WithTimeout(ctx, containerTimeout)
	defer cancel()
	c, err := postgres.Run(ctx, image,
		postgres.WithDatabase("bench"), postgres.WithUsername("bench"), postgres.WithPassword("bench"),
		postgres.BasicWaitStrategies())
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL (%s): %w; run `make bench`, which prepares a container engine, or point DOCKER_HOST at one", image, err)
	}
	p := &postgresEngine{container: c}
	if p.adminDSN, err = c.ConnectionString(ctx, "sslmode=disable"); err != nil {
		p.stop()
		return nil, err
	}
	if err := p.readVersion(ctx); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *postgresEngine) readVersion(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.adminDSN)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return err
	}
	// "15.14 (Debian 15.14-0+deb12u1)" → "PostgreSQL 15.14"
	v, _, _ = strings.Cut(v, " ")
	p.version = "PostgreSQL " + v
	return nil
}

// newDatabase creates an empty database and returns its DSN.
func (p *postgresEngine) newDatabase(ctx context.Context) (string, error) {
	p.mu.Lock()
	p.databases++
	name := fmt.Sprintf("bench_%d", p.databases)
	p.mu.Unlock()
	conn, err := pgx.Connect(ctx, p.adminDSN)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(p.adminDSN)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// stop removes the container; safe to call more than once.
func (p *postgresEngine) stop() {
	p.stopped.Do(func() { _ = p.container.Terminate(context.Background()) })
}
