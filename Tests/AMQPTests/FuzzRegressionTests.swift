@testable import AMQP
import Testing

/// Inputs scripts/fuzz found (fuzz-amqp-url), kept as they were found. See docs/SECURITY.md, "Fuzzing".
@Suite("AMQP URL fuzz regressions")
struct AMQPURLFuzzRegressionTests {
    @Test("a NUL from a sign-prefixed escape (%+0) is refused, not passed to librabbitmq as a shorter user")
    func signedEscapeDecodingToNUL() throws {
        // fuzz-amqp-url crash-2be8ab24: "%+0" decoded to a NUL byte inside the user name.
        let found = "amqp://use%+01]@"
        #expect(throws: AMQPError.self) { try AMQPURL(parsing: found) }
        #expect(AMQPConfiguration(url: found).user == nil)
    }

    @Test("percent escapes are exactly two hex digits and never NUL; a raw NUL is refused too")
    func escapesAndNUL() throws {
        for text in ["amqp://u:p@h/%00", "amqp://u%-1:p@h/", "amqp://u:p%+f@h/", "amqp://u:p@h/v\u{0}h", "amqp://u\u{0}:p@h/"] {
            #expect(throws: AMQPError.self, "\(text.debugDescription)") { try AMQPURL(parsing: text) }
        }
        let url = try AMQPURL(parsing: "amqp://us%40r:p%3As@h:5673/v%2Fh")
        #expect(url.user == "us@r" && url.password == "p:s" && url.vhost == "v/h" && url.port == 5673)
    }
}
