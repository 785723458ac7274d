# bash completion for whyno-port(1)

_whyno_port_containers() {
  # Cheap when the engine answers at once; silent when it doesn't.
  command -v docker >/dev/null 2>&1 || return 0
  timeout 1 docker ps -a --format '{{.Names}}' 2>/dev/null
}

_whyno_port_projects() {
  command -v docker >/dev/null 2>&1 || return 0
  timeout 1 docker ps -a --format '{{.Label "com.docker.compose.project"}}' 2>/dev/null | sort -u
}

_whyno_port() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion -n : || return
  else
    # No bash-completion package: bash's own split of the line, where a ':'
    # is a word of its own (COMP_WORDBREAKS), so nothing is completed after
    # TARGET: (see the --from case at the end).
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]:-}
    prev=
    if ((cword > 0)); then
      prev=${COMP_WORDS[cword - 1]}
    fi
  fi

  case $prev in
    --from | --container)
      COMPREPLY=($(compgen -W "$(_whyno_port_containers)" -- "$cur"))
      return
      ;;
    --project)
      COMPREPLY=($(compgen -W "$(_whyno_port_projects)" -- "$cur"))
      return
      ;;
    --pid)
      COMPREPLY=($(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur"))
      return
      ;;
    --netns)
      COMPREPLY=($(compgen -f -- "${cur:-/run/netns/}"))
      return
      ;;
    --color)
      COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
      return
      ;;
    --probe-timeout)
      COMPREPLY=($(compgen -W "300ms 1s 3s" -- "$cur"))
      return
      ;;
    --save-facts | --replay)
      if declare -F _filedir >/dev/null; then
        _filedir json
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      return
      ;;
    --engine)
      COMPREPLY=($(compgen -f -- "${cur:-/run/}"))
      return
      ;;
    --host-root)
      COMPREPLY=($(compgen -d -- "${cur:-/host}"))
      return
      ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "--all --project --from --container --pid --netns --engine --host-root --json
      --explain --no-probe --probe-timeout --color --save-facts --replay --help --version" -- "$cur"))
    return
  fi
  # TARGET:PORT with --from: offer container names followed by a colon.
  if [[ " ${words[*]} " == *" --from "* && $cur != *:* && $prev != : ]]; then
    COMPREPLY=($(compgen -S : -W "localhost $(_whyno_port_containers)" -- "$cur"))
    compopt -o nospace
  fi
} && complete -F _whyno_port whyno-port
