// Entry point placeholder: the commands are built under issues 3-5.
return 0;
