import Foundation
import GitStore
import GitSyncConfig
import SyncEngine

/// Where the configuration meets the engine: the configuration module only parses, validates and
/// explains keys; this turns its values into the engine's settings and the git server's access.
extension Configuration {
    public var syncConfiguration: SyncConfiguration {
        var configuration = SyncConfiguration(
            branch: remote?.commitTo == .incoming ? remote?.incomingBranch ?? branch : branch,
            author: Signature(name: authorName, email: authorEmail), stateDirectory: stateDirectory,
            fullResyncIntervalSeconds: fullResyncIntervalSeconds, projectName: projectName,
            deletedInGit: deletedInGit.engineValue, deletedInKapso: deletedInKapso.engineValue,
            deletionBrake: (deletionBrakeCount, deletionBrakePercent), autoMerge: autoMerge,
            remote: remote?.remoteSync(mainBranch: branch),
            filter: WorkflowFilter(include: include, exclude: exclude, statuses: statuses.map(Set.init)),
            root: ProjectRoot(root), functions: .init(sync: syncFunctions, deploy: deployFunctions))
        configuration.packing = PackingPolicy(
            looseObjects: packLooseObjects, looseBytes: packLooseMegabytes << 20, smallPacks: packSmallPacks,
            bytesPerRun: PackingPolicy.standard.bytesPerRun)
        return configuration
    }
}

extension RemoteSettings {
    /// `mainBranch`: `repository.branch`, the branch people merge into. The access (credentials, known
    /// hosts) is read from its files each time a cycle reaches the server.
    public func remoteSync(mainBranch: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> RemoteSync {
        RemoteSync(pushRounds: pushRounds, mainBranch: commitTo == .incoming ? mainBranch : nil) { () throws(SyncError) -> RemoteAccess in
            do {
                return try access(environment: environment)
            } catch {
                throw .state("configuration: \(error)")
            }
        }
    }
}

extension Configuration.DeletedInGit {
    var engineValue: SyncConfiguration.DeletedInGit {
        switch self {
        case .report: .report
        case .archive: .archive
        }
    }
}

extension Configuration.DeletedInKapso {
    var engineValue: SyncConfiguration.DeletedInKapso {
        switch self {
        case .report: .report
        case .remove: .remove
        }
    }
}
