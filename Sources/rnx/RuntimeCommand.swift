import ArgumentParser

/// `rnx runtime …`: runtimes across the fleet, and local package management on a worker host.
struct RuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Runtimes: list, inspect and test them across the fleet; pack, install and remove packages.",
        discussion: """
            Examples:
              rnx runtime list
              rnx runtime info python:3.11+ml
              rnx runtime test python-3.11
              rnx runtime pack runtimes/out/python-3.11 -o python-3.11.tar.gz
              rnx runtime install python-3.11.tar.gz        # on a worker host, as root
              rnx runtime remove python-3.11
              rnx runtime deploy node-18.tar.gz --workers all     # admins: to workers over the broker
              rnx runtime remove node-18 --workers all
            """,
        subcommands: [
            RuntimeList.self, RuntimeInfo.self, RuntimeTest.self, RuntimePack.self,
            RuntimeInstall.self, RuntimeRemove.self, RuntimeDeploy.self, RuntimeStatus.self,
        ])
}
