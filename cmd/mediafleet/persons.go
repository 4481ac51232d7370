package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hibiken/asynq"
	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/persons"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker"
)

// personsParams are the clustering settings of the configuration.
func personsParams(cfg *configs.Config) persons.Params {
	p := cfg.Persons
	return persons.Params{Join: p.JoinThreshold, MinFaces: p.MinFaces, Merge: p.MergeThreshold}
}

func (a *app) personsCmd() *cobra.Command {
	var version string
	cmd := &cobra.Command{
		Use:   "persons",
		Short: "Faces grouped into persons: cluster, list, show, name, merge, assign",
		Long: `Faces grouped into persons. Workers plan a clustering pass (the persons queue) after faces
tasks; "persons cluster" runs one here and now. A face joins the person whose centroid it is
closest to (persons.join_threshold); faces that fit no one wait until persons.min_faces similar
ones start a person; persons closer than persons.merge_threshold merge. Faces assigned by hand
("persons assign") never move, and named persons never merge automatically.`,
	}
	cmd.PersistentFlags().StringVar(&version, "model-version", "", "face model version (default: the configured face model's)")
	mv := func(cfg *configs.Config) string {
		if version != "" {
			return version
		}
		return inference.FacesVersion(cfg)
	}
	cmd.AddCommand(a.personsClusterCmd(mv), a.personsListCmd(mv), a.personsShowCmd(), a.personsNameCmd(),
		a.personsMergeCmd(), a.personsAssignCmd(mv))
	return cmd
}

func (a *app) personsClusterCmd(mv func(*configs.Config) string) *cobra.Command {
	var asJSON, queue bool
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Place every face no pass has seen yet (or, with --queue, plan a pass for the workers)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			if queue {
				opt, err := redisconn.ParseRedisURL(cfg.RedisURL)
				if err != nil {
					return err
				}
				client := asynq.NewClient(opt)
				defer client.Close()
				pl := &worker.PersonsPlanner{Client: client, Options: taskOptions(cfg)[tasks.Persons], Window: cfg.Persons.Window}
				if err := pl.Plan(cmd.Context(), mv(cfg)); err != nil {
					return err
				}
				fmt.Printf("planned a persons pass for %s on queue %s\n", mv(cfg), tasks.QueueName(cfg.QueuePrefix, tasks.Persons))
				return nil
			}
			sum, err := persons.Cluster(cmd.Context(), st, mv(cfg), personsParams(cfg), cfg.Persons.Batch)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(sum)
			}
			fmt.Printf("%d new faces of %s: %d joined a person, %d wait for similar faces; %d persons started, %d merged; %d persons now\n",
				sum.Faces, sum.ModelVersion, sum.Joined, sum.Waiting, sum.Created, sum.Merged, sum.Persons)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.Flags().BoolVar(&queue, "queue", false, "plan a pass on the persons queue instead of running it here")
	return cmd
}

func (a *app) personsListCmd(mv func(*configs.Config) string) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the persons: id, name, face count and a sample file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			v := mv(cfg)
			if all {
				v = ""
			}
			ps, err := st.ListPersons(cmd.Context(), v)
			if err != nil {
				return err
			}
			if asJSON {
				if ps == nil {
					ps = []store.Person{}
				}
				return printJSON(ps)
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tFACES\tSAMPLE")
			for _, p := range ps {
				name := p.Name
				if name == "" {
					name = "-"
				}
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", p.ID, name, p.FaceCount, p.Sample)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.Flags().BoolVar(&all, "all", false, "persons of every face model version")
	return cmd
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError{fmt.Errorf("person id %q: give the number `mediafleet persons list` shows", s)}
	}
	return id, nil
}

func (a *app) personsShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Print one person with its faces and the files they are in",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			_, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			p, err := st.GetPerson(cmd.Context(), id)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(p)
			}
			name := p.Name
			if name == "" {
				name = "(no name)"
			}
			fmt.Printf("person %d %s: %d faces (model %s)\n", p.ID, name, p.FaceCount, p.ModelVersion)
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FACE\tSOURCE\tSIMILARITY\tFILE")
			for _, f := range p.Faces {
				file := f.Path
				if f.Frame > 0 {
					file += fmt.Sprintf(" (keyframe %d)", f.Frame)
				}
				fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\n", f.FaceRef, f.Source, f.Similarity, file)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	return cmd
}

func (a *app) personsNameCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "name ID NAME",
		Short: "Name a person (an empty NAME clears it); named persons never merge automatically",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			_, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := persons.Name(cmd.Context(), st, id, args[1]); err != nil {
				return err
			}
			fmt.Printf("person %d is %q\n", id, strings.TrimSpace(args[1]))
			return nil
		},
	}
}

func (a *app) personsMergeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "merge INTO FROM...",
		Short: "Move every face of the FROM persons into INTO and remove them",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids := make([]int64, len(args))
			for i, s := range args {
				var err error
				if ids[i], err = parseID(s); err != nil {
					return err
				}
			}
			_, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := persons.Merge(cmd.Context(), st, ids[0], ids[1:]...); err != nil {
				return err
			}
			fmt.Printf("merged %s into person %d\n", strings.Join(args[1:], ", "), ids[0])
			return nil
		},
	}
}

func (a *app) personsAssignCmd(mv func(*configs.Config) string) *cobra.Command {
	return &cobra.Command{
		Use:   "assign FACE ID|new|none",
		Short: "Put a face in a person by hand (new: a person of its own; none: in no person); it never moves after",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var to persons.Target
			switch strings.ToLower(args[1]) {
			case "new":
				to = persons.NewPerson
			case "none":
				to = persons.NoPerson
			default:
				id, err := parseID(args[1])
				if err != nil {
					return usageError{errors.New("give a person id, new or none")}
				}
				to = persons.Target(id)
			}
			cfg, st, err := a.loadStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			ref, err := store.ParseFaceRef(args[0], mv(cfg))
			if err != nil {
				return usageError{err}
			}
			got, err := persons.Assign(cmd.Context(), st, ref, to)
			if err != nil {
				return err
			}
			if got == 0 {
				fmt.Printf("face %s is in no person, for good\n", ref)
			} else {
				fmt.Printf("face %s is in person %d\n", ref, got)
			}
			return nil
		},
	}
}
