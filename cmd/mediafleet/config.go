package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/configs"
)

func (a *app) configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the default configuration (a starting point for --config files)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := os.Stdout.Write(configs.DefaultYAML())
			return err
		},
	}
}
