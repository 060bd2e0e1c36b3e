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
        do {
            let (data, response) = try await session.data(for: finalRequest)
            guard let http = response as? HTTPURLResponse else {
                throw TransportError(kind: .other, detail: "not an HTTP response")
            }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
            return HTTPResponse(status: http.statusCode, headers: headers, body: [UInt8](data))
        } catch let error as TransportError {
            throw error
        } catch let error as URLError {
            throw Self.transportError(error)
        } catch {
            throw TransportError(kind: .other, detail: String(describing: type(of: error)))
        }
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
