namespace Tokenkeeper.Sync;
