package server

import (
	"fmt"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store/cache"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
)

// connectCacheBus links the node-local cache to every other node's on
// PostgreSQL (LISTEN/NOTIFY on the configured database): what one node's
// writes drop, every node drops within milliseconds. SQLite is one process
// on one file: nothing to connect.
func connectCacheBus(c *cache.Store, cfg *config.Config, logger *slog.Logger) error {
	if !cfg.IsPostgres() {
		return nil
	}
	bus, err := postgres.NewBus(cfg.DatabaseURL, logger)
	if err != nil {
		return fmt.Errorf("cache bus: %w", err)
	}
	c.Connect(bus, logger)
	return nil
}
