package main

import "testing"

// The load's database replaces the server DSN's, in either form pgx reads.
func TestWithDatabase(t *testing.T) {
	for dsn, want := range map[string]string{
		"host=/tmp/pg user=tandem dbname=postgres":        "host=/tmp/pg user=tandem dbname=postgres dbname=jobload_1",
		"postgres://u:p@db:5432/postgres?sslmode=disable": "postgres://u:p@db:5432/jobload_1?sslmode=disable",
	} {
		if got, err := withDatabase(dsn, "jobload_1"); err != nil || got != want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", dsn, got, err, want)
		}
	}
}
