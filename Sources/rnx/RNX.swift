import ArgumentParser

/// `rnx`: submit jobs to a Joblet cluster, follow them, and manage runtimes.
@main
struct RNX: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rnx",
        abstract: "Run jobs on a Joblet cluster: sandboxed, with pre-built runtimes.",
        discussion: """
        Talks to the cluster over AMQP (RabbitMQ). The broker comes from --broker, $JOBLET_BROKER or
        ~/.config/joblet/rnx.yml (default amqp://guest:guest@127.0.0.1:5672/).

        Examples:
          rnx run --runtime=python:3.11 python -c 'print(42)'
          rnx submit --runtime=node:20 --upload=app.js -- node app.js
          rnx status 3f2a && rnx logs -f 3f2a
          rnx list --state=running
          rnx workers
          rnx runtime list

        Shell completions: rnx --generate-completion-script bash|zsh|fish
        """,
        version: "0.1.0",
        subcommands: [Run.self, Submit.self, Status.self, List.self, Logs.self, Cancel.self, Delete.self,
                      Workers.self, RuntimeCommand.self]
    )
}
