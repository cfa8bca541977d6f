// The standalone simulator: `dotnet run --project src/Tokenkeeper.Simulator -- --help`.
return await Tokenkeeper.Simulator.SimulatorCommandLine.RunAsync(args);
