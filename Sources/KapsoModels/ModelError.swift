import CanonicalJSON

/// An API object that lacks a field or has one of the wrong kind.
public struct ModelError: Error, Sendable, CustomStringConvertible, Equatable {
    public let detail: String

    public init(_ detail: String) {
        self.detail = detail
    }

    public var description: String { detail }
}

extension [String: JSONValue] {
    func requiredString(_ key: String, in context: @autoclosure () -> String) throws(ModelError) -> String {
        guard let value = self[key] else { throw ModelError("\(context()): missing \(key)") }
        guard let string = value.stringValue else { throw ModelError("\(context()): \(key) is \(value.kindName), expected string") }
        return string
    }

    func optionalString(_ key: String, in context: @autoclosure () -> String) throws(ModelError) -> String? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let string = value.stringValue else { throw ModelError("\(context()): \(key) is \(value.kindName), expected string") }
        return string
    }

    func optionalInt(_ key: String, in context: @autoclosure () -> String) throws(ModelError) -> Int? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let int = value.numberValue?.intValue else {
            throw ModelError("\(context()): \(key) is \(value.kindName), expected integer")
        }
        return int
    }
}
