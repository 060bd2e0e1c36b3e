import Foundation
import GitSyncComposition
import GitSyncConfig
import KapsoAPI
import KapsoModels
import WorkflowMerge
import WorkflowRepo
import WorkflowReview

/// Asks Kapso, read-only, for the current version of each workflow a pull request changes, and says
/// what merging will do with it (`KapsoOutlook`).
struct KapsoReviewCheck {
    let client: any KapsoBackend
    let autoMerge: Bool
    /// `repository.root`, for a review that was not given `--root`.
    let root: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(configPath: String) throws {
        do {
            let configuration = try ConfigurationLoader.load(
                path: configPath, environment: ProcessInfo.processInfo.environment, overrides: [])
            client = try configuration.backend()
            autoMerge = configuration.autoMerge
            root = configuration.root
        } catch {
            throw Failure(description: "configuration: \(error)")
        }
    }

    /// Folder → warning, for the folders whose workflow the base's remote-map knows.
    func warnings(
        for folders: [WorkflowDiffReport.Folder], sides: [String: (base: WorkflowMerge.Workflow?, head: WorkflowMerge.Workflow?)],
        baseMap: RemoteMap?
    ) async throws -> [String: String] {
        guard let baseMap else { return [:] }
        let known = folders.compactMap { folder -> (String, RemoteMap.Entry, WorkflowMerge.Workflow?, WorkflowMerge.Workflow)? in
            guard let entry = baseMap.workflows[folder.renamedFrom ?? folder.slug], let base = sides[folder.slug]?.base else { return nil }
            return (folder.slug, entry, sides[folder.slug]?.head, base)
        }
        guard !known.isEmpty else { return [:] }
        let list: WorkflowList
        let references: ReferenceMaps
        client.rememberSlugs(
            Dictionary(baseMap.workflows.values.map { ($0.id, $0.slug) }, uniquingKeysWith: { first, _ in first }), creatingByName: [:])
        do {
            list = try await client.listWorkflows()
            references =
                client.dialect.hasSlugs
                ? ReferenceMaps(functions: try await client.listFunctions().functions, workflows: list.workflows) : .idsKept
        } catch {
            throw Failure(description: "Kapso: \(error)")
        }
        var warnings: [String: String] = [:]
        for (slug, entry, head, base) in known {
            let kapso: KapsoOutlook.Kapso
            if list.workflows.contains(where: { $0.id == entry.id }) {
                kapso = await current(entry, references: references)
            } else {
                kapso = .removed
            }
            warnings[slug] = KapsoOutlook.warning(base: base, head: head, kapso: kapso, autoMerge: autoMerge)
        }
        return warnings
    }

    private func current(_ entry: RemoteMap.Entry, references: ReferenceMaps) async -> KapsoOutlook.Kapso {
        do {
            async let definition = client.workflowDefinition(id: entry.id)
            async let triggers = client.triggers(workflowID: entry.id)
            let exported = try WorkflowExporter.export(try await definition, triggers: try await triggers, references: references)
            if exported.files.hashes == entry.files { return .unchanged }
            switch RevisionFiles.side(exported.files.byPath) {
            case .workflow(let workflow): return .changed(workflow)
            case .unreadable(let reason): return .unreadable(reason)
            }
        } catch {
            return .unreadable("\(error)")
        }
    }
}
