/// How many fakes may listen at once in one process. Each listening fake holds a Dispatch thread
/// (FlyingFox waits on its epoll from one); the parallel tests started some two hundred at once,
/// Dispatch stopped giving threads, and the newest fakes never answered: every test that started a
/// `run` process against one waited for a first cycle that could not finish. The others wait for a
/// slot here, in the order they asked.
actor FakeSlots {
    static let shared = FakeSlots(limit: 48)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        free = limit
    }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
