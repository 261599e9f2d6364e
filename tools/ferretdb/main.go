// Command ferretdb runs FerretDB v1 (a MongoDB wire-protocol server on an embedded SQLite
// backend) for the package service's tests and CI, where no MongoDB server is packaged.
//
// It wraps FerretDB's embeddable package because `go install` of FerretDB's own command
// builds a binary that refuses to start without release version files.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "./.data/ferretdb/", "directory for the SQLite databases")
	flag.Parse()

	if err := os.MkdirAll(*dir, 0o755); err != nil {
		slog.Error("cannot create data directory", "dir", *dir, "error", err)
		os.Exit(1)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir,
	})
	if err != nil {
		slog.Error("cannot configure FerretDB", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	slog.Info("FerretDB listening", "uri", server.MongoDBURI())
	if err := server.Run(ctx); err != nil && ctx.Err() == nil {
		slog.Error("FerretDB stopped", "error", err)
		os.Exit(1)
	}
}
