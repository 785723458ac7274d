# fish completion for whyno-port(1): the options of whyno-port.bash, and
# container and Compose project names when the docker CLI answers at once.

function __whyno_port_containers
    command -q docker; or return 0
    timeout 1 docker ps -a --format '{{.Names}}' 2>/dev/null
end

function __whyno_port_projects
    command -q docker; or return 0
    timeout 1 docker ps -a --format '{{.Label "com.docker.compose.project"}}' 2>/dev/null | sort -u
end

complete -c whyno-port -f
complete -c whyno-port -l all -d 'Check every port of every container'
complete -c whyno-port -l project -x -a '(__whyno_port_projects)' -d 'With --all: one Compose project'
complete -c whyno-port -l from -x -a '(__whyno_port_containers)' -d 'The client: a container or another machine\'s address'
complete -c whyno-port -l container -x -a '(__whyno_port_containers)' -d 'The container you mean'
complete -c whyno-port -l pid -x -a '(__fish_complete_pids)' -d 'Diagnose the network namespace of a process'
complete -c whyno-port -l netns -r -F -d 'Diagnose a network namespace file, e.g. /run/netns/NAME'
complete -c whyno-port -l engine -r -F -d 'Read only the engine at this socket'
complete -c whyno-port -l host-root -x -a '(__fish_complete_directories)' -d 'Where the host\'s / is mounted (kubectl debug node: /host)'
complete -c whyno-port -l json -d 'Print one JSON object'
complete -c whyno-port -l explain -d 'Print the packet\'s whole walk through netfilter'
complete -c whyno-port -l no-probe -d 'Do not try the connection'
complete -c whyno-port -l probe-timeout -x -a '300ms 1s 3s' -d 'How long the probe waits'
complete -c whyno-port -l color -x -a 'auto always never' -d 'Colour the text output'
complete -c whyno-port -l save-facts -r -F -d 'Also write every fact read to FILE'
complete -c whyno-port -l replay -r -F -d 'Diagnose a saved facts snapshot'
complete -c whyno-port -s h -l help -d 'Show the help'
complete -c whyno-port -l version -d 'Show the version'
