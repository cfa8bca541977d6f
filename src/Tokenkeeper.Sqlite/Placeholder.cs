namespace Tokenkeeper.Sqlite;
