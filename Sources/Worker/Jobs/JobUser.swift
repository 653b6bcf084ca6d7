/// The uid a job runs as, leased from the worker's JobUIDPool for the job's whole attempt. Its gid
/// is the same number, so no two running jobs share a user or a group.
struct JobUser: Sendable, Equatable {
    let uid: UInt32
    var gid: UInt32 { uid }
    var owner: (uid: UInt32, gid: UInt32) { (uid, gid) }
}
