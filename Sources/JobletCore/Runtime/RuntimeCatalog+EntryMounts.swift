extension RuntimeCatalog.Entry {
    /// The runtime's mounts with `source` as an absolute host path (`<directory>/<source>`),
    /// ready for the sandbox's mount plan.
    public var hostMounts: [RuntimeConfig.Mount] {
        config.mounts.map { mount in
            let source = mount.source == "." ? directory : RuntimeFiles.join(directory, mount.source)
            return RuntimeConfig.Mount(source: source, target: mount.target, readonly: mount.readonly)
        }
    }

    /// The job environment of this runtime on top of `basePATH`; see ``RuntimeConfig/environment(basePATH:)``.
    public func environment(basePATH: String) -> [String: String] {
        config.environment(basePATH: basePATH)
    }
}
