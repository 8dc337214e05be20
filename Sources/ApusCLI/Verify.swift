// `apus verify`: checks every WAL segment and part of a data folder; non-zero exit on damage.

import ApusStore
import ArgumentParser

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check every WAL segment and part file for damage.")
    @OptionGroup var data: DataOptions

    func run() throws {
        let report = StoreVerifier.verify(dataDirectory: data.directory)
        for line in report.lines { Console.print(line) }
        if !report.problems.isEmpty {
            for p in report.problems { Console.print("DAMAGE: \(p)") }
            throw ExitCode(1)
        }
    }
}
