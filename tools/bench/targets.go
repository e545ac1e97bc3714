package main

import "time"

// database is where a server keeps its data.
type database string

const (
	sqliteDB   database = "sqlite"
	postgresDB database = "postgres"
)

// Issue 11's targets. A database missing from a row's map has no target
// there, and the row is not measured on it.
var (
	therapyRatioTarget      = map[database]float64{sqliteDB: 0.35, postgresDB: 0.35}
	avatarStatusRatioTarget = map[database]float64{sqliteDB: 0.5, postgresDB: 0.5}
	vrGetRatioTarget        = map[database]float64{sqliteDB: 0.35, postgresDB: 0.35}
	wsNoDatabaseRatioTarget = map[database]float64{sqliteDB: 0.65}
	chatAllSendingTarget    = map[database]chatThroughputTarget{
		sqliteDB:   {messagesPerSecond: 10000, deliveryP99: 250 * time.Millisecond},
		postgresDB: {messagesPerSecond: 6000, deliveryP99: 400 * time.Millisecond},
	}
	chatInFlightP99Target = map[database]time.Duration{sqliteDB: 20 * time.Millisecond, postgresDB: 40 * time.Millisecond}
	idleBytesTarget       = map[database]float64{sqliteDB: 10 * 1024}
	// The avatar benchmark must not regress: these are the README's figures
	// of 2026-11 (200 sessions, 30 s after a 5 s warm-up).
	avatarReference = map[database]avatarFigures{
		sqliteDB:   {cpuPerSession: 0.0040, bytesPerSession: 161 * 1024, frameP99: 43 * time.Millisecond},
		postgresDB: {cpuPerSession: 0.0039, bytesPerSession: 137 * 1024, frameP99: 68 * time.Millisecond},
	}
)

type chatThroughputTarget struct {
	messagesPerSecond float64
	deliveryP99       time.Duration
}

type avatarFigures struct {
	cpuPerSession   float64 // fraction of one core
	bytesPerSession float64 // resident
	frameP99        time.Duration
}
