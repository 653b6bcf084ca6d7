import TestSupport
import Testing

/// Every test that runs a real dispatcher process. They run one at a time: dispatchers sharing a
/// broker compete for `joblet.submit` and `joblet.rpc`, so two at once would answer each other's
/// tests. (All of them share one private vhost, isolated from other test targets.)
@Suite(.serialized, .integration(needs: [.brokerNodes])) enum DispatcherClusterTests {}
