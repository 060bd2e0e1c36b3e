import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `HTTPTransport` over Foundation's URLSession (libcurl on Linux).
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    public init(maximumConnectionsPerHost: Int = 8) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, maximumConnectionsPerHost)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        let components = request.timeout.components
        urlRequest.timeoutInterval = Double(components.seconds) + Double(components.attoseconds) / 1e18
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        if let body = request.body {
            urlRequest.httpBody = Data(body)
        }
        let finalRequest = urlRequest
        // The completion-handler API on purpose: `data(for:)` cancels its URLSessionTask when the Swift
        // task is cancelled, and on Linux that cancel can deadlock (URLSessionTask.cancel blocks in
        // DispatchQueue.sync on a cooperative thread; seen here when an `async let` sibling failed).
        // A request is bounded by its timeout instead.
        let result: Result<HTTPResponse, TransportError> = await withCheckedContinuation { continuation in
            let task = session.dataTask(with: finalRequest) { data, response, error in
                if let error {
                    continuation.resume(returning: .failure(Self.transportError(error)))
                    return
                }
                guard let http = response as? HTTPURLResponse else {
                    continuation.resume(returning: .failure(TransportError(kind: .other, detail: "not an HTTP response")))
                    return
                }
                var headers: [String: String] = [:]
                for (name, value) in http.allHeaderFields {
                    if let name = name as? String, let value = value as? String { headers[name] = value }
                }
                continuation.resume(
                    returning: .success(HTTPResponse(status: http.statusCode, headers: headers, body: [UInt8](data ?? Data()))))
            }
            task.resume()
        }
        return try result.get()
    }

    private static func transportError(_ error: any Error) -> TransportError {
        if let urlError = error as? URLError { return transportError(urlError) }
        return TransportError(kind: .other, detail: String(describing: type(of: error)))
    }

    private static func transportError(_ error: URLError) -> TransportError {
        let detail = "URLError \(error.code.rawValue)"
        switch error.code {
        case .timedOut: return TransportError(kind: .timedOut, detail: detail)
        case .networkConnectionLost, .badServerResponse, .cannotParseResponse, .zeroByteResource,
            .cannotDecodeRawData, .cannotDecodeContentData:
            return TransportError(kind: .connectionLost, detail: detail)
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet:
            return TransportError(kind: .cannotConnect, detail: detail)
        default: return TransportError(kind: .other, detail: detail)
        }
    }
}
