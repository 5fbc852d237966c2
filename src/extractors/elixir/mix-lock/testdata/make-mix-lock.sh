#!/bin/sh
# Writes happy/mix.lock with Elixir's own Mix (Debian's `elixir` package; offline):
# - a git dependency fetched by `mix deps.get` from a local git repository (no network needed);
# - hex entries as Mix.Dep.Lock.write serializes them. The hex entries' data (names, versions,
#   checksums, dependency lists) are copied from GitHub 100Starlings/tilex's real mix.lock: without
#   network to hex.pm, `mix deps.get` cannot resolve hex packages here.
# Usage: sh make-mix-lock.sh   (from this testdata folder)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MIX_HOME="$work/.mix" HEX_OFFLINE=1
git init -q -b main "$work/local_helper"
cat > "$work/local_helper/mix.exs" <<'MIX'
defmodule LocalHelper.MixProject do
  use Mix.Project
  def project, do: [app: :local_helper, version: "0.2.0", elixir: "~> 1.14", deps: []]
end
MIX
git -C "$work/local_helper" add .
git -C "$work/local_helper" -c user.email=t@example.org -c user.name=t commit -q -m init
cd "$work" && mix new demo >/dev/null
cd demo
sed -i "s|# {:dep_from_git.*|{:local_helper, git: \"$work/local_helper\"}|" mix.exs
mix deps.get >/dev/null
mix run --no-start --no-deps-check --no-compile -e '
lock = Mix.Dep.Lock.read()
Mix.Dep.Lock.write(Map.merge(lock, %{
  plug: {:hex, :plug, "1.8.3", "12d5f9796dc72e8ac9614e94bda5e51c4c028d0d428e9297650d09e15a684478", [:mix], [{:mime, "~> 1.0", [hex: :mime, repo: "hexpm", optional: false]}, {:plug_crypto, "~> 1.0", [hex: :plug_crypto, repo: "hexpm", optional: false]}, {:telemetry, "~> 0.4", [hex: :telemetry, repo: "hexpm", optional: true]}], "hexpm", "164baaeb382d19beee0ec484492aa82a9c8685770aee33b24ec727a0971b34d0"},
  mime: {:hex, :mime, "1.3.1", "30ce04ab3175b6ad0bdce0035cba77bba68b813d523d1aac73d9781b4d193cf8", [:mix], [], "hexpm", "6cbe761d6a0ca5a31a0931bf4c63204bceb64538e664a8ecf784a9a6f3b875f1"},
  plug_crypto: {:hex, :plug_crypto, "1.0.0", "18e49317d3fa343f24620ed22795ec29d4a5e602d52d1513ccea0b07d8ea7d4d", [:mix], [], "hexpm", "73c1682f0e414cfb5d9b95c8e8cd6ffcfdae699e3b05e1db744e58b7be857759"},
  phoenix: {:hex, :phoenix, "1.4.11", "d112c862f6959f98e6e915c3b76c7a87ca3efd075850c8daa7c3c7a609014b0d", [:mix], [{:jason, "~> 1.0", [hex: :jason, repo: "hexpm", optional: true]}, {:phoenix_pubsub, "~> 1.1", [hex: :phoenix_pubsub, repo: "hexpm", optional: false]}, {:plug, "~> 1.8.1 or ~> 1.9", [hex: :plug, repo: "hexpm", optional: false]}, {:plug_cowboy, "~> 1.0 or ~> 2.0", [hex: :plug_cowboy, repo: "hexpm", optional: true]}, {:telemetry, "~> 0.4", [hex: :telemetry, repo: "hexpm", optional: false]}], "hexpm", "ef19d737ca23b66f7333eaa873cbfc5e6fa6427ef5a0ffd358de1ba8e1a4b2f4"},
  ssl_verify_fun: {:hex, :ssl_verify_fun, "1.1.5", "6eaf7ad16cb568bb01753dbbd7a95ff8b91c7979482b95f38443fe2c8852a79b", [:make, :mix, :rebar3], [], "hexpm", "13104d7897e38ed7f044c4de953a6c28597d1c952075eb2e328bc6d6f2bfc496"},
  cowboy: {:hex, :cowboy, "2.7.0", "91ed100138a764355f43316b1d23d7ff6bdb0de4ea618cb5d8677c93a7a2f115", [:rebar3], [{:cowlib, "~> 2.8.0", [hex: :cowlib, repo: "hexpm", optional: false]}, {:ranch, "~> 1.7.1", [hex: :ranch, repo: "hexpm", optional: false]}], "hexpm", "04fd8c6a39edc6aaa9c26123009200fc61f92a3a94f3178c527b70b767c6e605"}
}))'
# the git URL is this run's temporary folder: make it stable
sed "s|$work/local_helper|https://github.com/example/local_helper.git|" mix.lock > "$here/happy/mix.lock"
echo "wrote $here/happy/mix.lock"
