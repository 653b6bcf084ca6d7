import Testing
@testable import JobletMessaging

@Suite("Broker settings keep credentials out of config and logs")
struct BrokerSettingsTests {
    @Test func redactsThePasswordOnly() {
        #expect(BrokerSettings.redact("amqp://joblet:s3cret@mq1:5672/prod") == "amqp://joblet:***@mq1:5672/prod")
        #expect(BrokerSettings.redact("amqp://mq1:5672/") == "amqp://mq1:5672/")
    }

    @Test func fillsCredentialsFromTheEnvironmentAndPercentEncodesThem() throws {
        let settings = BrokerSettings(urls: ["amqp://127.0.0.1:5672/", "amqp://u:p@127.0.0.2:5672/"])
        let urls = try settings.resolvedURLs(environment: ["JOBLET_BROKER_USER": "svc", "JOBLET_BROKER_PASSWORD": "p@ss:w/rd"])
        #expect(urls == ["amqp://svc:p%40ss%3Aw%2Frd@127.0.0.1:5672/", "amqp://u:p@127.0.0.2:5672/"])
    }

    @Test func saysWhatToDoWithoutAURL() {
        #expect(throws: (any Error).self) { try BrokerSettings(urls: []).resolvedURLs(environment: [:]) }
    }
}
