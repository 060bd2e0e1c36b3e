import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// git's smart HTTP (`git http-backend`) behind a small CGI host on 127.0.0.1 that wants Basic
/// authentication with a token, as GitHub does with `x-access-token`. A separate Python process, so
/// that it works while the test's cooperative threads are busy.
public final class GitHTTPServer: Sendable {
    public let baseURL: String
    private let process: Process
    private let requestLogPath: String

    /// One line per request: the Host header, `with-credentials` or `anonymous`, the path. Paths under
    /// `/moved/` answer a redirect to the same server under the name `localhost` (another host).
    public var requestLog: String { (try? String(contentsOfFile: requestLogPath, encoding: .utf8)) ?? "" }

    static let script = #"""
        import base64, http.server, os, subprocess, sys, threading, time
        root, token, port_file = sys.argv[1:4]
        parent = os.getppid()

        def exit_with_parent():
            # A test process that ends (or is killed) before it stops this server must not leave it running.
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)

        threading.Thread(target=exit_with_parent, daemon=True).start()
        expected = "Basic " + base64.b64encode(("x-access-token:" + token).encode()).decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.cgi()

            def do_POST(self):
                self.cgi()

            def body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().strip().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))

            def cgi(self):
                with open(port_file + ".requests", "a") as log:
                    credential = "with-credentials" if self.headers.get("Authorization") else "anonymous"
                    log.write("%s %s %s\n" % (self.headers.get("Host", ""), credential, self.path))
                if self.path.startswith("/moved/"):
                    # Another host name for this same server: a client that follows carries its token there.
                    self.send_response(302)
                    self.send_header("Location", "http://localhost:%d/%s" % (server.server_address[1], self.path[len("/moved/"):]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.headers.get("Authorization", "") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path, _, query = self.path.partition("?")
                body = self.body()
                env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path, QUERY_STRING=query,
                           REQUEST_METHOD=self.command, CONTENT_TYPE=self.headers.get("Content-Type", ""),
                           CONTENT_LENGTH=str(len(body)), REMOTE_USER="x-access-token", REMOTE_ADDR="127.0.0.1")
                if self.headers.get("Content-Encoding"):
                    env["HTTP_CONTENT_ENCODING"] = self.headers.get("Content-Encoding")
                out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
                head, _, rest = out.partition(b"\r\n\r\n")
                status, headers = 200, []
                for line in head.split(b"\r\n"):
                    name, _, value = line.decode().partition(": ")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(rest)))
                self.end_headers()
                self.wfile.write(rest)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """#

    /// Serves the repositories under `root` at `http://127.0.0.1:PORT/<name>.git`.
    public init(root: String, token: String, directory: TemporaryDirectory) async throws {
        let scriptPath = directory.path + "/git-http-server.py"
        let portFile = directory.path + "/git-http-port"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath, root, token, portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try launch(process)
        self.process = process
        requestLogPath = portFile + ".requests"
        var port: String?
        for _ in 0..<600 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) {
                port = text
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the git HTTP server did not start"])
        }
        baseURL = "http://127.0.0.1:\(port)"
    }

    deinit {
        // By pid: Foundation's `isRunning` is not to be trusted for a child that outlives others.
        kill(process.processIdentifier, SIGKILL)
    }
}
