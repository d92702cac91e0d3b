package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// commandFlags are the flags of each subcommand, for completion.
var commandFlags = map[string][]string{
	"run":        {"--input", "--output", "--reference", "--format", "--set", "--state", "--stop-timeout", "--drain", "--explain", "--help"},
	"repl":       {"--input", "--output", "--format", "--history", "--help"},
	"report":     {"--state", "--once", "--at", "--out", "--report", "--help"},
	"discover":   {"--name", "--help"},
	"bench":      {"--query", "--events", "--file", "--help"},
	"gen":        {"--events", "--table", "--seed", "-o", "--help"},
	"serve":      {"--data", "--listen", "--config", "--token-file", "--tls-cert", "--tls-key", "--allow-path", "--checkpoint-interval", "--max-body", "--stop-timeout", "--log-format", "--help"},
	"submit":     {"--name", "--input", "--output", "--reference", "--set", "--start", "--no-start", "--replace", "--server", "--token-file", "--ca-file", "--help"},
	"import":     {"--config", "--start", "--state", "--print", "--name", "--server", "--replace", "--token-file", "--ca-file", "--help"},
	"apps":       {"--server", "--token-file", "--ca-file", "--help"},
	"stop":       {"--server", "--token-file", "--ca-file", "--help"},
	"logs":       {"--rows", "--server", "--token-file", "--ca-file", "--help"},
	"connectors": {"--help"},
	"version":    {"--help"},
	"completion": {"--help"},
	"help":       {},
}

// commandWords are the positional words a subcommand takes, besides files.
var commandWords = map[string][]string{
	"bench":      {"nexmark"},
	"gen":        {"nexmark"},
	"completion": {"bash", "zsh", "fish"},
}

// cmdCompletion is `eddy completion bash|zsh|fish`.
func cmdCompletion(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "eddy completion: which shell? (eddy completion bash|zsh|fish)")
		return exitUsage
	}
	switch args[0] {
	case "bash":
		fmt.Fprint(stdout, bashCompletion())
	case "zsh":
		fmt.Fprint(stdout, "#compdef eddy\nautoload -U +X bashcompinit && bashcompinit\n"+bashCompletion())
	case "fish":
		fmt.Fprint(stdout, fishCompletion())
	default:
		fmt.Fprintf(stderr, "eddy completion: unknown shell %q: want bash, zsh or fish\n", args[0])
		return exitUsage
	}
	return exitOK
}

// sortedCommands returns the names of commandFlags, sorted.
func sortedCommands() []string {
	names := make([]string, 0, len(commandFlags))
	for k := range commandFlags {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// bashCompletion returns the bash completion script (zsh loads it through
// bashcompinit).
func bashCompletion() string {
	var b strings.Builder
	b.WriteString(`# bash completion for eddy: source <(eddy completion bash)
_eddy() {
    local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} words
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "` + commandNames2() + ` --help --version" -- "$cur"))
        return
    fi
    case "$cmd" in
`)
	for _, name := range sortedCommands() {
		words := append(append([]string{}, commandFlags[name]...), commandWords[name]...)
		if name == "help" {
			words = append(words, sortedCommands()...)
		}
		fmt.Fprintf(&b, "    %s) words=%q ;;\n", name, strings.Join(words, " "))
	}
	b.WriteString(`    *) words="" ;;
    esac
    case "$cur" in
        -*) COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur")) ;;
    esac
}
complete -o filenames -F _eddy eddy
`)
	return b.String()
}

// commandNames2 lists the subcommands separated by spaces.
func commandNames2() string { return strings.ReplaceAll(commandNames(), ", ", " ") }

// fishCompletion returns the fish completion script.
func fishCompletion() string {
	var b strings.Builder
	b.WriteString("# fish completion for eddy: eddy completion fish > ~/.config/fish/completions/eddy.fish\n")
	b.WriteString("complete -c eddy -n __fish_use_subcommand -l version -d 'print the version'\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "complete -c eddy -f -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.synopsis))
	}
	for _, name := range sortedCommands() {
		for _, f := range commandFlags[name] {
			if strings.HasPrefix(f, "--") {
				fmt.Fprintf(&b, "complete -c eddy -n '__fish_seen_subcommand_from %s' -l %s\n", name, f[2:])
			} else {
				fmt.Fprintf(&b, "complete -c eddy -n '__fish_seen_subcommand_from %s' -o %s\n", name, f[1:])
			}
		}
		for _, w := range commandWords[name] {
			fmt.Fprintf(&b, "complete -c eddy -f -n '__fish_seen_subcommand_from %s' -a %s\n", name, w)
		}
	}
	return b.String()
}

// fishQuote quotes s for fish in single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
